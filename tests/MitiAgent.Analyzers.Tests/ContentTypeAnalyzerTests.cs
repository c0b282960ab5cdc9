using Verifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.ContentTypeAnalyzer>;
using HandlerVerifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.HandlerAnalyzer>;

namespace MitiAgent.Analyzers.Tests;

public sealed class ContentTypeAnalyzerTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Text.Json.Serialization;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\nusing MitiAgent.Protocol;\n";

    [Fact]
    public Task Valid_typed_handlers_are_not_reported() => Verifier.AnalyzerAsync(Usings + """
        public sealed record LineItem(string Sku, int Quantity);
        public sealed record OrderCard(string OrderId, decimal Total, IReadOnlyList<LineItem> Items, DateTimeOffset? DueAt, Dictionary<string, LineItem>? Extra);
        public sealed class Node { public Node? Next { get; set; } [JsonIgnore] public object? Scratch { get; set; } }
        public partial class Agent
        {
            [OnMessage] public Task Text(MessageEvent<TextContent> e) => Task.CompletedTask;
            [OnGroupAt] public Task At(GroupAtEvent<AtTextContent> e) => Task.CompletedTask;
            [OnMessage(MsgType = "image")] public Task Image(MessageEvent<ImageContent> e) => Task.CompletedTask;
            [OnMessage(MsgType = "order_card")] public Task Order(MessageEvent<OrderCard> e, CancellationToken ct) => Task.CompletedTask;
            [OnGroupAt(MsgType = "node")] public void Tree(GroupAtEvent<Node> e) { }
        }
        """);

    [Fact]
    public Task MITI0011_a_typed_handler_without_MsgType_is_reported_on_the_attribute() => Verifier.AnalyzerAsync(Usings + """
        public sealed record OrderCard(string OrderId);
        public partial class Agent
        {
            [{|MITI0011:OnMessage|}] public Task Order(MessageEvent<OrderCard> e) => Task.CompletedTask;
            [{|MITI0011:OnGroupAt|}] public Task Image(GroupAtEvent<ImageContent> e) => Task.CompletedTask;
        }
        """);

    [Fact]
    public async Task MITI0011_message_says_which_MsgType()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<ContentTypeAnalyzer, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            TestCode = Usings + """
                public sealed record OrderCard(string OrderId);
                public partial class Agent
                {
                    [{|#0:OnMessage|}] public Task Order(MessageEvent<OrderCard> e) => Task.CompletedTask;
                }
                """,
            ReferenceAssemblies = new Microsoft.CodeAnalysis.Testing.ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(References.All);
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult("MITI0011", Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            .WithLocation(0)
            .WithArguments("Order", "OrderCard", "OnMessage", "order_card"));
        await test.RunAsync();
    }

    [Fact]
    public Task MITI0012_types_the_generator_cannot_describe_are_reported_on_the_parameters_type() => Verifier.AnalyzerAsync(Usings + """
        public interface IShape { }
        public abstract class Base { }
        public sealed class TwoConstructors { public TwoConstructors(int a) { } public TwoConstructors(string b) { } }
        public sealed record IntKeys(Dictionary<int, string> Items);
        public sealed record Loose(object Anything);
        public partial class Agent<T>
        {
            [OnMessage(MsgType = "a")] public void A(MessageEvent<{|MITI0012:IShape|}> e) { }
            [OnMessage(MsgType = "b")] public void B(MessageEvent<{|MITI0012:Base|}> e) { }
            [OnMessage(MsgType = "c")] public void C(MessageEvent<{|MITI0012:object|}> e) { }
            [OnMessage(MsgType = "d")] public void D(MessageEvent<{|MITI0012:dynamic|}> e) { }
            [OnMessage(MsgType = "e")] public void E(MessageEvent<{|MITI0012:IntKeys|}> e) { }
            [OnMessage(MsgType = "f")] public void F(MessageEvent<{|MITI0012:TwoConstructors|}> e) { }
            [OnMessage(MsgType = "g")] public void G(MessageEvent<{|MITI0012:T|}> e) { }
            [OnGroupAt(MsgType = "h")] public void H(GroupAtEvent<{|MITI0012:Loose|}> e) { }
        }
        """);

    [Fact]
    public async Task MITI0012_message_gives_the_reason_and_member_path()
    {
        var test = new Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<ContentTypeAnalyzer, Microsoft.CodeAnalysis.Testing.DefaultVerifier>
        {
            TestCode = Usings + """
                public sealed record IntKeys(Dictionary<int, string> Items);
                public interface IShape { }
                [MitiContent(typeof({|#1:IShape|}))]
                public partial class Agent
                {
                    [OnMessage(MsgType = "e")] public void E(MessageEvent<{|#0:IntKeys|}> e) { }
                }
                """.Replace("typeof({|#1:IShape|})", "{|#1:typeof(IShape)|}", StringComparison.Ordinal),
            ReferenceAssemblies = new Microsoft.CodeAnalysis.Testing.ReferenceAssemblies("net10.0"),
        };
        test.TestState.AdditionalReferences.AddRange(References.All);
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult("MITI0012", Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            .WithLocation(0)
            .WithArguments("IntKeys", "IntKeys.Items is a dictionary whose keys are not strings ('int')"));
        test.ExpectedDiagnostics.Add(new Microsoft.CodeAnalysis.Testing.DiagnosticResult("MITI0012", Microsoft.CodeAnalysis.DiagnosticSeverity.Error)
            .WithLocation(1)
            .WithArguments("IShape", "an interface (no constructor to create it with)"));
        await test.RunAsync();
    }

    [Fact]
    public Task MITI0012_an_OutgoingContent_Create_value_the_generator_cannot_describe_is_reported() => Verifier.AnalyzerAsync(Usings + """
        public interface IShape { }
        public sealed record Ack(string OrderId);
        public static class Replies
        {
            public static OutgoingContent Good() => OutgoingContent.Create("ack", new Ack("o-1"));
            public static OutgoingContent Loose(object value) => OutgoingContent.Create("loose", {|MITI0012:value|});
            public static OutgoingContent Shape(IShape shape) => OutgoingContent.Create("shape", {|MITI0012:shape|});
            public static OutgoingContent Explicit(object value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<object> info) => OutgoingContent.Create("loose", value, info);
        }
        public partial class Agent
        {
            [OnMessage] public void Text(MessageEvent<TextContent> e) { }
        }
        """);

    [Fact]
    public Task An_agent_with_its_own_JsonSerializerContext_is_not_checked_for_Miti0012() => Verifier.AnalyzerAsync(Usings + """
        public interface IShape { }
        [MitiJsonContext(typeof(string))]
        public partial class Agent
        {
            [OnMessage(MsgType = "a")] public void A(MessageEvent<IShape> e) { }
        }
        """);

    [Fact]
    public Task Typed_events_are_valid_handler_parameters_only_for_their_own_attribute() => HandlerVerifier.AnalyzerAsync(Usings + """
        public sealed record Card(string Id);
        public partial class Agent
        {
            [OnMessage(MsgType = "card")] public void A(MessageEvent<Card> e) { }
            [OnGroupAt(MsgType = "card")] public void B(GroupAtEvent<Card> e) { }
            [OnGroupAt(MsgType = "card2")] public void C({|MITI0003:MessageEvent<Card> e|}) { }
            [OnOverload] public void D({|MITI0003:MessageEvent<Card> e|}) { }
        }
        """);
}
