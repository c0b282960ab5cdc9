using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>Which edits re-run which steps: only real changes to a handler may produce new output.</summary>
public sealed class IncrementalityTests
{
    private const string AgentSource = """
        using System.Threading;
        using System.Threading.Tasks;
        using MitiAgent;

        namespace Incremental;

        internal partial class EchoAgent
        {
            [OnMessage(MsgType = "image")]
            private Task Image(MessageEvent e) => Task.CompletedTask;

            [OnCancel]
            private void Cancel(CancelEvent e) { }
        }
        """;

    [Fact]
    public void Unrelated_file_added_keeps_every_step_cached()
    {
        var (driver, compilation) = FirstRun(AgentSource);
        var next = compilation.AddSyntaxTrees(GeneratorHarness.Parse("namespace Other { internal sealed class Unrelated { } }", "Unrelated.cs"));

        GeneratorRunResult result = driver.RunGenerators(next).GetRunResult().Results.Single();

        AssertAllOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.All(AgentOutputs(result), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Handler_body_edited_leaves_models_unchanged()
    {
        var (driver, compilation) = FirstRun(AgentSource);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        SyntaxTree edited = GeneratorHarness.Parse(
            AgentSource.Replace("private void Cancel(CancelEvent e) { }", "private void Cancel(CancelEvent e) { _ = e.RunId.Length; }", StringComparison.Ordinal),
            old.FilePath);

        GeneratorRunResult result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();

        AssertAllOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.Contains(result.TrackedSteps[TrackingNames.CancelHandlers].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Unchanged);
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void One_body_edited_among_many_handlers_reuses_every_other_output()
    {
        // Ten agent files of ten handlers each. The compilation changed, so Roslyn re-runs every handler transform (the
        // per-compilation work is looked up once, not per handler: KnownTypes.For, the agent class models); each yields
        // an equal model (Unchanged), so the merged models, the agents and every emitted file are served from the cache.
        string[] sources = Enumerable.Range(0, 10).Select(ManyHandlerAgent).ToArray();
        Compilation compilation = GeneratorHarness.CreateCompilation(sources);
        var (driver, _, diagnostics) = GeneratorHarness.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Equal(10, GeneratorHarness.Generated(driver).Length);

        SyntaxTree old = compilation.SyntaxTrees.First();
        SyntaxTree edited = GeneratorHarness.Parse(
            sources[0].Replace("private Task Handler3(MessageEvent e) => Task.CompletedTask;", "private Task Handler3(MessageEvent e) => e.ReplyAsync(\"edited\");", StringComparison.Ordinal),
            old.FilePath);
        Assert.NotEqual(old.ToString(), edited.ToString());

        GeneratorRunResult result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();

        var transforms = result.TrackedSteps[TrackingNames.MessageHandlers].SelectMany(s => s.Outputs).ToArray();
        Assert.Equal(100, transforms.Length);
        AssertAllOutputs(result, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);

        // The one step fed by every handler, the merge (which also drops invalid handlers), finds the same model of all
        // 100 handlers: nothing downstream of it re-runs.
        var merged = Assert.Single(result.TrackedSteps[TrackingNames.AllHandlers].SelectMany(s => s.Outputs));
        Assert.True(merged.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, "merged handlers: " + merged.Reason);
        Assert.Equal(100, ((EquatableArray<HandlerModel>)merged.Value).Count);
        Assert.Equal(10, AgentOutputs(result).Length);
        var emitted = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToArray();
        Assert.Equal(10, emitted.Length);
        Assert.All(emitted, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Known_types_are_looked_up_once_per_compilation()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation([AgentSource]);

        MitiAgent.Shared.KnownTypes first = MitiAgent.Shared.KnownTypes.For(compilation);

        Assert.Same(first, MitiAgent.Shared.KnownTypes.For(compilation));
        Assert.NotSame(first, MitiAgent.Shared.KnownTypes.For(compilation.Clone()));
        Assert.True(first.IsComplete);
    }

    [Fact]
    public void Handler_added_in_another_class_leaves_the_old_class_unchanged()
    {
        var (driver, compilation) = FirstRun(AgentSource);
        var next = compilation.AddSyntaxTrees(GeneratorHarness.Parse("""
            using System.Threading.Tasks;
            using MitiAgent;

            namespace Incremental;

            internal partial class SecondAgent
            {
                [OnMessage]
                private Task Echo(MessageEvent e) => Task.CompletedTask;
            }
            """, "Second.cs"));

        GeneratorDriver nextDriver = driver.RunGenerators(next);
        GeneratorRunResult result = nextDriver.GetRunResult().Results.Single();

        var outputs = AgentOutputs(result);
        Assert.True(outputs.Length == 2, string.Join(", ", outputs.Select(o => HintOf(o.Value) + "=" + o.Reason)));
        Assert.Contains(outputs, o => HintOf(o.Value) == "Incremental.EchoAgent.MitiDispatch.g.cs" && o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached);
        // Roslyn 4.3 reports an item appended to a SelectMany as Modified (later versions: New); either way it is emitted.
        Assert.Contains(outputs, o => HintOf(o.Value) == "Incremental.SecondAgent.MitiDispatch.g.cs" && o.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);
        var sourceOutputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToArray();
        Assert.Single(sourceOutputs, o => o.Reason == IncrementalStepRunReason.Cached);
        Assert.Equal(
            ["Incremental.EchoAgent.MitiDispatch.g.cs", "Incremental.SecondAgent.MitiDispatch.g.cs"],
            GeneratorHarness.Generated(nextDriver).Select(s => s.HintName).ToArray());
    }

    [Fact]
    public void Attribute_argument_changed_modifies_the_model()
    {
        var (driver, compilation) = FirstRun(AgentSource);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        SyntaxTree edited = GeneratorHarness.Parse(AgentSource.Replace("\"image\"", "\"file\"", StringComparison.Ordinal), old.FilePath);

        GeneratorDriver nextDriver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited));
        GeneratorRunResult result = nextDriver.GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[TrackingNames.MessageHandlers].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(AgentOutputs(result)).Reason);
        Assert.Contains("case \"file\":", GeneratorHarness.Generated(nextDriver).Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Handler_signature_changed_modifies_the_model()
    {
        var (driver, compilation) = FirstRun(AgentSource);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        SyntaxTree edited = GeneratorHarness.Parse(
            AgentSource.Replace("Image(MessageEvent e)", "Image(MessageEvent e, CancellationToken ct)", StringComparison.Ordinal),
            old.FilePath);

        GeneratorRunResult result = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, edited)).GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(AgentOutputs(result)).Reason);
    }

    private static string ManyHandlerAgent(int agent)
    {
        var source = new System.Text.StringBuilder();
        source.Append("using System.Threading.Tasks;\nusing MitiAgent;\n\nnamespace Many;\n\ninternal partial class Agent")
            .Append(agent).Append("\n{\n");
        for (int i = 0; i < 10; i++)
        {
            source.Append("    [OnMessage(MsgType = \"t").Append(i).Append("\")]\n    private Task Handler").Append(i)
                .Append("(MessageEvent e) => Task.CompletedTask;\n\n");
        }

        return source.Append("}\n").ToString();
    }

    private static (GeneratorDriver Driver, Compilation Compilation) FirstRun(string source)
    {
        Compilation compilation = GeneratorHarness.CreateCompilation([source]);
        var (driver, _, diagnostics) = GeneratorHarness.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Single(GeneratorHarness.Generated(driver));
        return (driver, compilation);
    }

    private static ImmutableArray<(object Value, IncrementalStepRunReason Reason)> AgentOutputs(GeneratorRunResult result) =>
        result.TrackedSteps[TrackingNames.Agents].SelectMany(s => s.Outputs).ToImmutableArray();

    private static string HintOf(object value) => ((AgentModel)value).Agent.HintName;

    private static void AssertAllOutputs(GeneratorRunResult result, params IncrementalStepRunReason[] allowed)
    {
        foreach (string name in GeneratorHarness.TrackingStepNames)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var steps))
            {
                continue;
            }

            foreach (var output in steps.SelectMany(s => s.Outputs))
            {
                Assert.True(allowed.Contains(output.Reason), "step " + name + " output was " + output.Reason);
            }
        }
    }
}
