using Microsoft.CodeAnalysis;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>Incomplete or wrong code never crashes the generator (no CS8784/CS8785) and yields no bogus output.</summary>
public sealed class RobustnessTests
{
    private const string Usings = "using System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\n";

    public static TheoryData<string, string, bool> Cases => new()
    {
        { "method without body", Usings + "partial class A { [OnMessage] Task M(MessageEvent e) }", true },
        { "attribute without parentheses", Usings + "partial class A { [OnMessage(] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "missing closing brace", Usings + "partial class A { [OnMessage] Task M(MessageEvent e) { return Task.CompletedTask; ", true },
        { "attribute on a local function", Usings + "partial class A { void Outer() { [OnMessage] Task Local(MessageEvent e) => Task.CompletedTask; _ = Local(null!); } }", true },
        { "wrong attribute argument type", Usings + "partial class A { [OnMessage(MsgType = 42)] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "null attribute argument", Usings + "partial class A { [OnGroupAt(MsgType = null)] Task M(GroupAtEvent e) => Task.CompletedTask; }", true },
        { "unknown attribute argument", Usings + "partial class A { [OnMessage(Kind = \"x\")] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "positional attribute argument", Usings + "partial class A { [OnMessage(\"image\")] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "class not partial", Usings + "class A { [OnMessage] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "parent not partial", Usings + "class Outer { partial class A { [OnMessage] Task M(MessageEvent e) => Task.CompletedTask; } }", true },
        { "static class", Usings + "static partial class A { [OnMessage] static Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "struct", Usings + "partial struct A { [OnMessage] Task M(MessageEvent e) => Task.CompletedTask; }", true },
        { "unknown parameter type", Usings + "partial class A { [OnMessage] Task M(Missing e) => Task.CompletedTask; }", true },
        { "unknown return type", Usings + "partial class A { [OnMessage] Missing M(MessageEvent e) => null!; }", true },
        { "ref parameter", Usings + "partial class A { [OnMessage] Task M(ref MessageEvent e) => Task.CompletedTask; }", true },
        { "runtime reference missing", Usings + "partial class A { [OnMessage] Task M(MessageEvent e) => Task.CompletedTask; }", false },
        { "only attribute name", Usings + "partial class A { [OnMessage] }", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Incomplete_code_never_crashes_the_generator(string name, string source, bool withRuntime)
    {
        var compilation = GeneratorHarness.CreateCompilation([source], withRuntime);

        var (driver, output, diagnostics) = GeneratorHarness.Run(compilation);

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.True(result.Exception is null, name + ": " + result.Exception);
        Assert.Empty(diagnostics);
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id is "CS8784" or "CS8785");
        Assert.All(result.GeneratedSources, s => Assert.Empty(s.SyntaxTree.GetDiagnostics()));
    }

    [Fact]
    public void Colliding_hint_names_are_made_unique()
    {
        var compilation = GeneratorHarness.CreateCompilation([Usings + """
            namespace Collide;

            internal partial class A_1
            {
                [OnMessage]
                private Task M(MessageEvent e) => Task.CompletedTask;
            }

            internal partial class A<T>
            {
                [OnMessage]
                private Task M(MessageEvent e) => Task.CompletedTask;
            }

            internal partial class Agent
            {
                [OnCancel]
                private void C(CancelEvent e) { }
            }

            internal partial class AGENT
            {
                [OnCancel]
                private void C(CancelEvent e) { }
            }

            internal partial class 回声
            {
                [OnCancel]
                private void C(CancelEvent e) { }
            }
            """]);

        var (driver, output, diagnostics) = GeneratorHarness.Run(compilation);

        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        Assert.Empty(diagnostics);
        Assert.Equal(
            [
                // Types in ordinal order of their qualified names (AGENT < Agent, A<T> < A_1) keep the plain hint name.
                "Collide.AGENT.MitiDispatch.g.cs", "Collide.A_1.MitiDispatch.g.cs", "Collide.A_1_2.MitiDispatch.g.cs",
                "Collide.Agent_2.MitiDispatch.g.cs", "Collide.回声.MitiDispatch.g.cs",
            ],
            GeneratorHarness.Generated(driver).Select(s => s.HintName).Order(StringComparer.Ordinal));
        GeneratorHarness.AssertCompilesClean(output);
    }

    [Fact]
    public void Valid_handlers_next_to_broken_ones_still_get_dispatch()
    {
        var compilation = GeneratorHarness.CreateCompilation([Usings + """
            namespace Robust;

            internal partial class Agent
            {
                [OnMessage(MsgType = 42)]
                private Task Broken(MessageEvent e) => Task.CompletedTask;

                [OnMessage]
                private Task Valid(MessageEvent e) => Task.CompletedTask;

                [OnCancel]
                private Task AlsoBroken(string text) => Task.CompletedTask;
            }
            """]);

        var (driver, _, diagnostics) = GeneratorHarness.Run(compilation);

        Assert.Empty(diagnostics);
        string text = Assert.Single(GeneratorHarness.Generated(driver)).SourceText.ToString();
        Assert.Contains("this.Valid(messageEvent)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Broken", text, StringComparison.Ordinal);
        Assert.DoesNotContain("CancelEvent cancelEvent", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_that_already_implements_the_handler_interface_is_left_alone()
    {
        // MITI0009 reports it; generating a second IMitiAgentHandler implementation would not compile.
        var compilation = GeneratorHarness.CreateCompilation([Usings + """
            namespace Robust;

            internal partial class HandWritten : IMitiAgentHandler
            {
                [OnMessage]
                private Task Text(MessageEvent e) => Task.CompletedTask;

                public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

                public ValueTask DispatchAsync(MitiEventContext context) => default;

                public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
            }

            internal partial class Derived : HandWritten
            {
                [OnCancel]
                private void Cancel(CancelEvent e) { }
            }

            internal partial class Generated
            {
                [OnCancel]
                private void Cancel(CancelEvent e) { }
            }
            """]);

        var (driver, output, diagnostics) = GeneratorHarness.Run(compilation);

        Assert.Empty(diagnostics);
        Assert.Equal("Robust.Generated.MitiDispatch.g.cs", Assert.Single(GeneratorHarness.Generated(driver)).HintName);
        GeneratorHarness.AssertCompilesClean(output);
    }

    [Fact]
    public void Handler_with_an_unsupported_attribute_argument_is_skipped()
    {
        // MITI0010 reports it: an argument the generator does not know might change what the handler means.
        var compilation = GeneratorHarness.CreateCompilation([Usings + """
            namespace MitiAgent
            {
                [System.AttributeUsage(System.AttributeTargets.Method)]
                public sealed class OnMessageAttribute : System.Attribute
                {
                    public string? MsgType { get; set; }

                    public int Priority { get; set; }
                }
            }

            namespace Robust
            {
                internal partial class Agent
                {
                    [OnMessage(MsgType = "image", Priority = 1)]
                    private Task Image(MessageEvent e) => Task.CompletedTask;

                    [OnMessage(MsgType = "text")]
                    private Task Text(MessageEvent e) => Task.CompletedTask;
                }
            }
            """]);

        var (driver, _, diagnostics) = GeneratorHarness.Run(compilation);

        Assert.Empty(diagnostics);
        string text = Assert.Single(GeneratorHarness.Generated(driver)).SourceText.ToString();
        Assert.Contains("this.Text(messageEvent)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Image", text, StringComparison.Ordinal);
    }
}
