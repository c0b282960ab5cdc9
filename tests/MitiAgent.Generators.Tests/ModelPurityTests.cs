using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>Pipeline models hold only equatable values: nothing that pins a compilation in memory.</summary>
public sealed class ModelPurityTests
{
    private const string Source = """
        using System.Threading;
        using System.Threading.Tasks;
        using MitiAgent;

        namespace Purity;

        internal partial class Outer<T>
        {
            internal partial class Agent
            {
                [OnMessage(MsgType = "image")]
                private Task Image(MessageEvent e, CancellationToken ct) => Task.CompletedTask;

                [OnMessage]
                private static ValueTask Text(MessageEvent e, MitiAgentClient client) => default;

                [OnGroupAt]
                private void Group(GroupAtEvent e) { }

                [OnCancel]
                private void Cancel(CancelEvent e) { }

                [OnOverload]
                private Task Busy(AgentEvent e) => Task.CompletedTask;

                [OnError]
                private Task Failed(AgentEvent e, System.Exception exception, CancellationToken ct) => Task.CompletedTask;
            }
        }
        """;

    private static readonly Type[] Banned =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Compilation), typeof(Location),
    ];

    [Fact]
    public void Tracked_step_outputs_hold_no_symbols_syntax_or_compilations()
    {
        var (driver, _, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([Source]));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        int walked = 0;
        foreach (string step in GeneratorHarness.TrackingStepNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), "step " + step + " was not tracked");
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                Walk(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                walked++;
            }
        }

        Assert.True(walked >= GeneratorHarness.TrackingStepNames.Count);
    }

    [Fact]
    public void Same_source_parsed_twice_gives_equal_models_with_equal_hash_codes()
    {
        object[] first = AgentModels(Source);
        object[] second = AgentModels(Source);

        Assert.Single(first);
        Assert.Equal(first, second);
        Assert.Equal(first[0].GetHashCode(), second[0].GetHashCode());
        Assert.NotSame(first[0], second[0]);
    }

    [Fact]
    public void Different_source_gives_unequal_models()
    {
        object[] first = AgentModels(Source);
        object[] second = AgentModels(Source.Replace("\"image\"", "\"file\"", StringComparison.Ordinal));

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Equatable_array_compares_elements()
    {
        var a = new EquatableArray<string>(["x", "y"]);
        var b = new EquatableArray<string>(new List<string> { "x", "y" });
        var c = new EquatableArray<string>(["y", "x"]);

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a != c);
        Assert.Equal(EquatableArray<string>.Empty, default);
        Assert.Empty(default(EquatableArray<string>));
    }

    private static object[] AgentModels(string source)
    {
        var (driver, _, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation([source]));
        return driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Agents].SelectMany(s => s.Outputs).Select(o => o.Value).ToArray();
    }

    private static void Walk(object? value, string path, HashSet<object> visited)
    {
        if (value is null)
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(Banned.Any(b => b.IsAssignableFrom(type)), path + " holds a " + type.FullName);
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal)
        {
            return;
        }

        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                Walk(item, path + "[" + i++ + "]", visited);
            }
        }

        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Assert.False(Banned.Any(b => b.IsAssignableFrom(field.FieldType) || field.FieldType.IsAssignableFrom(b) && field.FieldType != typeof(object)),
                    path + "." + field.Name + " is declared as " + field.FieldType.FullName);
                Walk(field.GetValue(value), path + "." + field.Name, visited);
            }
        }
    }
}
