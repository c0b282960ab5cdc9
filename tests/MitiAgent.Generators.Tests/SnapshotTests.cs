using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>
/// Pins the generated dispatch per hint name. Every case also compiles the output clean (nullable, documentation
/// diagnostics, all warnings) and proves a re-run on an unchanged compilation is fully cached.
/// </summary>
public sealed class SnapshotTests
{
    private const string Usings = "using System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\n";

    [Fact]
    public void Global_namespace() => Check(
        ["GlobalAgent.MitiDispatch.g.cs"],
        Usings + """
        /// <summary>An agent in the global namespace.</summary>
        public partial class GlobalAgent
        {
            [OnMessage]
            private Task Echo(MessageEvent e, CancellationToken ct) => e.ReplyAsync("echo", cancellationToken: ct);
        }
        """);

    [Fact]
    public void Block_namespace() => Check(
        ["Company.Bots.EchoAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Company.Bots
        {
            internal partial class EchoAgent
            {
                [OnMessage]
                private Task Echo(MessageEvent e, CancellationToken ct) => e.ReplyAsync("echo", cancellationToken: ct);

                [OnCancel]
                private void Cancel(CancelEvent e) { }
            }
        }
        """);

    [Fact]
    public void File_scoped_namespace() => Check(
        ["Company.Bots.EchoAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Company.Bots;

        internal partial class EchoAgent
        {
            [OnGroupAt]
            private ValueTask Group(GroupAtEvent e, MitiAgentClient client, CancellationToken ct) => default;

            [OnOverload]
            private Task Busy(MessageEvent e) => e.ReplyAsync("busy", useMarkdown: false);
        }
        """);

    [Fact]
    public void Nested_class() => Check(
        ["Company.Outer.Middle.InnerAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Company;

        internal static partial class Outer
        {
            internal partial struct Middle
            {
                internal partial class InnerAgent
                {
                    [OnMessage]
                    private static Task Echo(MessageEvent e) => Task.CompletedTask;
                }
            }
        }
        """);

    [Fact]
    public void Class_nested_in_generic_type() => Check(
        ["Company.Host_2.Agent_1.MitiDispatch.g.cs"],
        Usings + """
        namespace Company;

        internal partial class Host<TKey, TValue>
            where TKey : notnull
        {
            internal sealed partial class Agent<TState>
                where TState : class
            {
                [OnMessage]
                private static Task Static(MessageEvent e) => Task.CompletedTask;

                [OnCancel]
                private ValueTask Cancel(CancelEvent e) => default;
            }
        }
        """);

    [Fact]
    public void Class_split_across_partial_files() => Check(
        ["Company.SplitAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Company;

        internal partial class SplitAgent
        {
            [OnMessage]
            private Task Echo(MessageEvent e) => Task.CompletedTask;
        }
        """,
        Usings + """
        namespace Company;

        internal partial class SplitAgent
        {
            [OnGroupAt]
            private Task Group(GroupAtEvent e) => Task.CompletedTask;

            [OnCancel]
            private void Cancel(CancelEvent e) { }
        }
        """);

    [Fact]
    public void Two_agent_classes_in_stable_order()
    {
        var driver = Check(
            ["A.Second.MitiDispatch.g.cs", "B.First.MitiDispatch.g.cs"],
            Usings + """
            namespace B
            {
                internal partial class First
                {
                    [OnMessage]
                    private Task Echo(MessageEvent e) => Task.CompletedTask;
                }
            }

            namespace A
            {
                internal partial class Second
                {
                    [OnCancel]
                    private void Cancel(CancelEvent e) { }
                }
            }
            """);
        Assert.Equal(
            ["A.Second.MitiDispatch.g.cs", "B.First.MitiDispatch.g.cs"],
            GeneratorHarness.Generated(driver).Select(s => s.HintName).ToArray());
    }

    [Fact]
    public void Every_handler_shape() => Check(
        ["Shapes.ShapeAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Shapes;

        internal sealed partial class ShapeAgent
        {
            [OnMessage]
            private Task Text(CancellationToken ct, MessageEvent e) => Task.CompletedTask;

            [OnMessage(MsgType = "image")]
            private static ValueTask Image(MitiAgentClient client, MessageEvent e, CancellationToken ct) => default;

            [OnMessage(MsgType = "multimodal")]
            private void Multimodal(AgentEvent e) { }

            [OnMessage(MsgType = "with \"quotes\" and \\ backslash")]
            private static void Escaped() { }

            [OnMessage(MsgType = "图片\n换行")]
            private Task NonAscii(MessageEvent e, MitiAgentClient client) => Task.CompletedTask;

            [OnGroupAt(MsgType = "image")]
            private ValueTask GroupImage(GroupAtEvent e) => default;

            [OnGroupAt(MsgType = "at_text")]
            private static Task GroupText(MessageEvent e, CancellationToken ct) => Task.CompletedTask;

            [OnCancel]
            private static ValueTask Cancel(CancellationToken ct, CancelEvent e, MitiAgentClient client) => default;

            [OnOverload]
            private void Busy(AgentEvent e, CancellationToken ct) { }

            [OnError]
            private Task Failed(AgentEvent e, System.Exception exception, CancellationToken ct) => Task.CompletedTask;
        }
        """);

    [Fact]
    public void Error_handler_shapes_and_duplicates() => Check(
        ["Errors.ErrorOnly.MitiDispatch.g.cs", "Errors.StaticError.MitiDispatch.g.cs"],
        Usings + """
        namespace Errors;

        internal partial class ErrorOnly
        {
            [OnError]
            private ValueTask Specific(MessageEvent e, System.Exception exception) => default;

            [OnError]
            private void Derived(System.InvalidOperationException exception) { }

            [OnError]
            private ValueTask First(System.Exception exception, MitiAgentClient client, AgentEvent e) => default;

            [OnError]
            private void DuplicateOfFirst(System.Exception exception) { }
        }

        internal partial class StaticError
        {
            [OnMessage]
            private void Text(MessageEvent e, System.Exception exception) { }

            [OnError]
            private static void Failed() { }
        }
        """);

    [Fact]
    public void Record_agent_and_keyword_names() => Check(
        ["event.class.MitiDispatch.g.cs"],
        Usings + """
        namespace @event;

        internal sealed partial record @class(string Name)
        {
            [OnMessage]
            private static Task @return(MessageEvent @event) => Task.CompletedTask;

            [OnCancel]
            private void @void(CancelEvent e) { }
        }
        """);

    [Fact]
    public void Only_filtered_handlers_have_no_fallback() => Check(
        ["Filters.ImageOnly.MitiDispatch.g.cs"],
        Usings + """
        namespace Filters;

        internal partial class ImageOnly
        {
            [OnMessage(MsgType = "image")]
            private Task Image(MessageEvent e) => Task.CompletedTask;
        }
        """);

    [Fact]
    public void Invalid_handlers_are_skipped_and_duplicates_keep_the_first() => Check(
        ["Mixed.MixedAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Mixed;

        internal partial class MixedAgent
        {
            [OnMessage]
            private Task First(MessageEvent e) => Task.CompletedTask;

            [OnMessage]
            private Task DuplicateOfFirst(MessageEvent e) => Task.CompletedTask;

            [OnMessage(MsgType = "image")]
            private Task<int> WrongReturn(MessageEvent e) => Task.FromResult(1);

            [OnMessage(MsgType = "file")]
            private Task WrongParameter(string text) => Task.CompletedTask;

            [OnCancel]
            private async void AsyncVoid(CancelEvent e) => await Task.Yield();

            [OnOverload]
            private Task Generic<T>(MessageEvent e) => Task.CompletedTask;

            [OnGroupAt]
            private Task WrongEvent(CancelEvent e) => Task.CompletedTask;

            [OnGroupAt(MsgType = "image")]
            private Task GroupImage(GroupAtEvent e) => Task.CompletedTask;
        }
        """);

    private static GeneratorDriver Check(string[] expectedHintNames, string source, string? secondSource = null, [CallerMemberName] string testName = "") =>
        CheckCore(expectedHintNames, secondSource is null ? [source] : [source, secondSource], testName);

    private static GeneratorDriver CheckCore(string[] expectedHintNames, string[] sources, string testName)
    {
        var compilation = GeneratorHarness.CreateCompilation(sources);
        var (driver, output, diagnostics) = GeneratorHarness.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Equal(
            expectedHintNames.Order(StringComparer.Ordinal),
            GeneratorHarness.Generated(driver).Select(s => s.HintName).Order(StringComparer.Ordinal));
        GeneratorHarness.AssertCompilesClean(output);
        foreach (var tree in output.SyntaxTrees.Skip(compilation.SyntaxTrees.Length))
        {
            Assert.Empty(tree.GetDiagnostics());
        }

        Snapshot.Verify(GeneratorHarness.GeneratedTexts(driver), testName);
        GeneratorHarness.AssertCacheable(driver, compilation);
        return driver;
    }
}
