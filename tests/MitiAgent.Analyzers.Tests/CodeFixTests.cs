using Microsoft.CodeAnalysis.CodeFixes;
using MitiAgent.Generators.CodeFixes;
using PartialFix = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.HandlerAnalyzer, MitiAgent.Generators.CodeFixes.MakePartialCodeFixProvider>;
using AsyncVoidFix = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.HandlerAnalyzer, MitiAgent.Generators.CodeFixes.AsyncVoidCodeFixProvider>;
using TokenFix = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.CancellationTokenAnalyzer, MitiAgent.Generators.CodeFixes.AddCancellationTokenCodeFixProvider>;
using ArgumentFix = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.HandlerAnalyzer, MitiAgent.Generators.CodeFixes.RemoveAttributeArgumentCodeFixProvider>;
using TokenVerifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.CancellationTokenAnalyzer>;

namespace MitiAgent.Analyzers.Tests;

public sealed class CodeFixTests
{
    private const string Usings = "using System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\n";

    /// <summary>[OnMessage] as a newer runtime might declare it, with a property this generator does not know.</summary>
    internal const string HandlerAttributeWithExtraProperty = """
        namespace MitiAgent
        {
            [System.AttributeUsage(System.AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
            public sealed class OnMessageAttribute : System.Attribute
            {
                public string? MsgType { get; set; }

                public int Priority { get; set; }
            }
        }

        """;

    [Fact]
    public Task MITI0002_Fix_MakesClassAndContainingTypesPartial() => PartialFix.CodeFixAsync(
        Usings + """
        public static class {|MITI0002:Outer|}
        {
            internal sealed class {|MITI0002:Agent|}
            {
                [OnCancel]
                public void OnCancel(CancelEvent e) { }
            }
        }
        """,
        Usings + """
        public static partial class Outer
        {
            internal sealed partial class Agent
            {
                [OnCancel]
                public void OnCancel(CancelEvent e) { }
            }
        }
        """,
        "MITI0002_MakePartial");

    [Fact]
    public Task MITI0002_FixAll_FixesEveryClass() => PartialFix.CodeFixAsync(
        Usings + """
        class {|MITI0002:First|}
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public class {|MITI0002:Second|}
        {
            [OnMessage]
            public void OnText(MessageEvent e) { }
        }
        """,
        Usings + """
        partial class First
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public partial class Second
        {
            [OnMessage]
            public void OnText(MessageEvent e) { }
        }
        """,
        "MITI0002_MakePartial");

    [Fact]
    public Task MITI0002_Fix_AddsPartialToTheDeclarationThatLacksIt() => PartialFix.CodeFixAsync(
        Usings + """
        public partial class Agent
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public class {|MITI0002:{|CS0260:Agent|}|}
        {
        }
        """,
        Usings + """
        public partial class Agent
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public partial class Agent
        {
        }
        """,
        "MITI0002_MakePartial");

    [Fact]
    public Task MITI0010_Fix_RemovesTheArgumentAndEmptyParentheses() => ArgumentFix.CodeFixAsync(
        Usings + HandlerAttributeWithExtraProperty + """
        public partial class Agent
        {
            [OnMessage(MsgType = "image", {|MITI0010:Priority = 1|})]
            public void OnImage(MessageEvent e) { }

            [OnMessage({|MITI0010:Priority = 2|})]
            public void OnText(MessageEvent e) { }
        }
        """,
        Usings + HandlerAttributeWithExtraProperty + """
        public partial class Agent
        {
            [OnMessage(MsgType = "image")]
            public void OnImage(MessageEvent e) { }

            [OnMessage]
            public void OnText(MessageEvent e) { }
        }
        """,
        "MITI0010_RemoveArgument");

    [Fact]
    public Task MITI0004_Fix_ReturnsTask() => AsyncVoidFix.CodeFixAsync(
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async {|MITI0004:void|} OnText(MessageEvent e) => await Task.Yield();
        }
        """,
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async Task OnText(MessageEvent e) => await Task.Yield();
        }
        """,
        "MITI0004_ReturnTask");

    [Fact]
    public Task MITI0004_Fix_QualifiesTaskWithoutUsing() => AsyncVoidFix.CodeFixAsync(
        """
        using MitiAgent;

        public partial class Agent
        {
            [OnCancel]
            public async {|MITI0004:void|} OnCancel(CancelEvent e) => await System.Threading.Tasks.Task.Yield();
        }
        """,
        """
        using MitiAgent;

        public partial class Agent
        {
            [OnCancel]
            public async System.Threading.Tasks.Task OnCancel(CancelEvent e) => await System.Threading.Tasks.Task.Yield();
        }
        """,
        "MITI0004_ReturnTask");

    [Fact]
    public Task MITI0004_FixAll_FixesEveryHandler() => AsyncVoidFix.CodeFixAsync(
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async {|MITI0004:void|} OnText(MessageEvent e) => await Task.Yield();

            [OnCancel]
            public async {|MITI0004:void|} OnCancel(CancelEvent e) => await Task.Yield();
        }
        """,
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async Task OnText(MessageEvent e) => await Task.Yield();

            [OnCancel]
            public async Task OnCancel(CancelEvent e) => await Task.Yield();
        }
        """,
        "MITI0004_ReturnTask");

    [Fact]
    public Task MITI0008_IsReportedOnlyForValidAsyncHandlersWithoutToken() => TokenVerifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public Task {|MITI0008:OnText|}(MessageEvent e) => Task.CompletedTask;

            [OnGroupAt]
            public Task OnAt(GroupAtEvent e, CancellationToken cancellationToken) => Task.CompletedTask;

            [OnCancel]
            public void OnCancel(CancelEvent e) { }

            [OnOverload]
            public Task OnOverload(string invalid) => Task.CompletedTask;

            public Task NotAHandler(MessageEvent e) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task MITI0008_PragmaDisable_Suppresses() => TokenVerifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
        #pragma warning disable MITI0008
            public Task OnText(MessageEvent e) => Task.CompletedTask;
        #pragma warning restore MITI0008
        }
        """);

    [Fact]
    public Task MITI0008_Fix_AppendsCancellationToken() => TokenFix.CodeFixAsync(
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public Task {|MITI0008:OnText|}(MessageEvent e) => Task.CompletedTask;
        }
        """,
        Usings + """
        public partial class Agent
        {
            [OnMessage]
            public Task OnText(MessageEvent e, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """,
        "MITI0008_AddCancellationToken");

    [Fact]
    public Task MITI0008_Fix_AppendsCancellationTokenToOnError() => TokenFix.CodeFixAsync(
        Usings + """
        public partial class Agent
        {
            [OnError]
            public Task {|MITI0008:OnError|}(AgentEvent e, System.Exception exception) => Task.CompletedTask;

            [OnMessage]
            public void OnText(MessageEvent e) { }
        }
        """,
        Usings + """
        public partial class Agent
        {
            [OnError]
            public Task OnError(AgentEvent e, System.Exception exception, CancellationToken cancellationToken) => Task.CompletedTask;

            [OnMessage]
            public void OnText(MessageEvent e) { }
        }
        """,
        "MITI0008_AddCancellationToken");

    [Fact]
    public Task MITI0008_FixAll_AppendsQualifiedTokenWithoutUsing() => TokenFix.CodeFixAsync(
        """
        using System.Threading.Tasks;
        using MitiAgent;

        public partial class Agent
        {
            [OnMessage]
            public Task {|MITI0008:OnText|}() => Task.CompletedTask;

            [OnCancel]
            public ValueTask {|MITI0008:OnCancel|}(CancelEvent cancellationToken) => default;
        }
        """,
        """
        using System.Threading.Tasks;
        using MitiAgent;

        public partial class Agent
        {
            [OnMessage]
            public Task OnText(System.Threading.CancellationToken cancellationToken) => Task.CompletedTask;

            [OnCancel]
            public ValueTask OnCancel(CancelEvent cancellationToken, System.Threading.CancellationToken cancellationToken1) => default;
        }
        """,
        "MITI0008_AddCancellationToken");

    public static TheoryData<string, string> Providers => new()
    {
        { nameof(InsecureBaseUrlCodeFixProvider), DiagnosticIds.InsecureBaseUrl },
        { nameof(MakePartialCodeFixProvider), DiagnosticIds.TypeNotPartial },
        { nameof(AsyncVoidCodeFixProvider), DiagnosticIds.AsyncVoidHandler },
        { nameof(AddCancellationTokenCodeFixProvider), DiagnosticIds.HandlerCanAcceptCancellationToken },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public void Providers_UseBatchFixAllAndFixTheirId(string providerName, string id)
    {
        CodeFixProvider provider = providerName switch
        {
            nameof(InsecureBaseUrlCodeFixProvider) => new InsecureBaseUrlCodeFixProvider(),
            nameof(MakePartialCodeFixProvider) => new MakePartialCodeFixProvider(),
            nameof(AsyncVoidCodeFixProvider) => new AsyncVoidCodeFixProvider(),
            _ => new AddCancellationTokenCodeFixProvider(),
        };
        Assert.Same(WellKnownFixAllProviders.BatchFixer, provider.GetFixAllProvider());
        Assert.Equal(id, Assert.Single(provider.FixableDiagnosticIds));
    }
}
