using Verifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.HandlerAnalyzer>;

namespace MitiAgent.Analyzers.Tests;

public sealed class HandlerAnalyzerTests
{
    private const string Usings = "using System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\n";

    [Fact]
    public Task ValidHandlers_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Outer
        {
            public partial class Agent
            {
                [OnMessage]
                public Task OnText(MessageEvent message, CancellationToken cancellationToken) => Task.CompletedTask;

                [OnMessage(MsgType = "image")]
                public static ValueTask OnImage(CancellationToken cancellationToken, AgentEvent e, MitiAgentClient client) => default;

                [OnGroupAt]
                public void OnAt(GroupAtEvent e) { }

                [OnGroupAt(MsgType = "image")]
                public Task OnAtImage(MessageEvent e) => Task.CompletedTask;

                [OnCancel]
                public void OnCancel(CancelEvent e, MitiAgentClient client) { }

                [OnOverload]
                public async Task OnOverload(MessageEvent e, CancellationToken cancellationToken) => await Task.Delay(1, cancellationToken);
            }
        }
        """);

    [Fact]
    public Task MITI0002_NonPartialClassAndContainingType_AreReported() => Verifier.AnalyzerAsync(Usings + """
        public class {|MITI0002:Outer|}
        {
            public class {|MITI0002:Agent|}
            {
                [OnCancel]
                public void OnCancel(CancelEvent e) { }
            }

            public partial class Other
            {
                [OnCancel]
                public void OnCancel(CancelEvent e) { }
            }
        }

        public class NoHandlers
        {
            public void OnCancel(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0002_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        #pragma warning disable MITI0002
        public class Agent
        #pragma warning restore MITI0002
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0003_BadReturnTypeAndParameters_AreReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public {|MITI0003:Task<int>|} Returns(MessageEvent e) => Task.FromResult(1);

            [OnMessage(MsgType = "a")]
            public void WrongEvent({|MITI0003:CancelEvent e|}) { }

            [OnCancel]
            public void Unknown(CancelEvent e, {|MITI0003:string text|}) { }

            [OnMessage(MsgType = "b")]
            public void ByRef({|MITI0003:ref CancellationToken token|}) { }

            [OnMessage(MsgType = "c")]
            public void Twice(CancellationToken a, {|MITI0003:CancellationToken b|}) { }

            [OnGroupAt(MsgType = "d")]
            public void TwoEvents(GroupAtEvent e, {|MITI0003:AgentEvent other|}) { }

            [OnOverload]
            public void Params({|MITI0003:params MessageEvent[] events|}) { }

            public void Host()
            {
                [OnCancel]
                void {|MITI0003:Local|}(CancelEvent e) { }
            }
        }

        public partial struct Holder
        {
            [OnCancel]
            public void {|MITI0003:InStruct|}(CancelEvent e) { }
        }

        public static partial class StaticHolder
        {
            [OnCancel]
            public static void {|MITI0003:InStaticClass|}(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0003_AllowedParameterTypes_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnGroupAt]
            public ValueTask At(MitiAgentClient client, MessageEvent e, CancellationToken token) => default;

            [OnCancel]
            public Task Cancel(AgentEvent e) => Task.CompletedTask;

            [OnOverload]
            public static void Overload() { }
        }
        """);

    [Fact]
    public Task MITI0003_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
        #pragma warning disable MITI0003
            [OnMessage]
            public int Returns(MessageEvent e) => 1;
        #pragma warning restore MITI0003
        }
        """);

    [Fact]
    public Task MITI0004_AsyncVoid_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async {|MITI0004:void|} OnText(MessageEvent e) => await Task.Yield();
        }
        """);

    [Fact]
    public Task MITI0004_AsyncTaskAndSyncVoid_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public async Task OnText(MessageEvent e) => await Task.Yield();

            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0004_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
        #pragma warning disable MITI0004
            public async void OnText(MessageEvent e) => await Task.Yield();
        #pragma warning restore MITI0004
        }
        """);

    [Fact]
    public Task MITI0005_DuplicateKindAndMsgType_IsReportedOnSecondAttribute() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public void First(MessageEvent e) { }

            [{|MITI0005:OnMessage(MsgType = null)|}]
            public void Second(MessageEvent e) { }

            [OnGroupAt(MsgType = "image")]
            public void AtImage(GroupAtEvent e) { }

            [{|MITI0005:OnGroupAt(MsgType = "image")|}]
            public void AtImageAgain(GroupAtEvent e) { }

            [OnCancel]
            public void Cancel(CancelEvent e) { }

            [{|MITI0005:OnCancel|}]
            public void CancelAgain(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0005_DifferentKindsOrMsgTypesOrClasses_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public void Any(MessageEvent e) { }

            [OnMessage(MsgType = "image")]
            public void Image(MessageEvent e) { }

            [OnGroupAt]
            public void At(GroupAtEvent e) { }

            [OnOverload]
            public void Overload(MessageEvent e) { }
        }

        public partial class OtherAgent
        {
            [OnMessage]
            public void Any(MessageEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0005_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnCancel]
            public void Cancel(CancelEvent e) { }

        #pragma warning disable MITI0005
            [OnCancel]
        #pragma warning restore MITI0005
            public void CancelAgain(CancelEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0006_GenericHandler_IsReportedOnTypeParameterList() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public void OnText{|MITI0006:<T>|}(MessageEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0006_HandlerInGenericClass_IsNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent<T>
        {
            [OnMessage]
            public void OnText(MessageEvent e) { }

            public void Helper<TOther>() { }
        }
        """);

    [Fact]
    public Task MITI0006_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
        #pragma warning disable MITI0006
            public void OnText<T>(MessageEvent e) { }
        #pragma warning restore MITI0006
        }
        """);

    [Fact]
    public Task OnError_ValidShapes_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnError]
            public Task OnError(AgentEvent e, System.Exception exception, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        public partial class ReorderedAgent
        {
            [OnError]
            public static ValueTask OnError(CancellationToken cancellationToken, MitiAgentClient client, System.Exception exception, AgentEvent e) => default;
        }

        public partial class ExceptionOnlyAgent
        {
            [OnError]
            public void OnError(System.Exception exception) { }
        }

        public partial class NoParameterAgent
        {
            [OnError]
            public void OnError() { }
        }
        """);

    [Fact]
    public Task MITI0003_OnErrorWithWrongParameters_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class SpecificEvent
        {
            [OnError]
            public Task OnError({|MITI0003:MessageEvent e|}, System.Exception exception) => Task.CompletedTask;
        }

        public partial class DerivedException
        {
            [OnError]
            public void OnError({|MITI0003:System.InvalidOperationException exception|}) { }
        }

        public partial class TwoExceptions
        {
            [OnError]
            public void OnError(System.Exception first, {|MITI0003:System.Exception second|}) { }
        }

        public partial class WrongReturn
        {
            [OnError]
            public {|MITI0003:Task<int>|} OnError(AgentEvent e) => Task.FromResult(1);
        }

        public partial class ExceptionOutsideOnError
        {
            [OnMessage]
            public void OnText(MessageEvent e, {|MITI0003:System.Exception exception|}) { }
        }
        """);

    [Fact]
    public Task MITI0004_AsyncVoidOnError_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnError]
            public async {|MITI0004:void|} OnError(AgentEvent e, System.Exception exception) => await Task.Yield();
        }
        """);

    [Fact]
    public Task MITI0005_SecondOnError_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnError]
            public void First(System.Exception exception) { }

            [{|MITI0005:OnError|}]
            public void Second(AgentEvent e, System.Exception exception) { }

            [OnOverload]
            public void Overload(MessageEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0002_NonPartialClassWithOnError_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public class {|MITI0002:Agent|}
        {
            [OnError]
            public void OnError(AgentEvent e, System.Exception exception) { }
        }
        """);

    [Fact]
    public Task MITI0002_EveryDeclarationMustBePartial() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public class {|MITI0002:{|CS0260:Agent|}|}
        {
        }
        """);

    [Fact]
    public Task MITI0003_MethodWithSeveralHandlerAttributes_MustFitEach() => Verifier.AnalyzerAsync(Usings + """
        public partial class Agent
        {
            [OnMessage, OnOverload]
            public void Both(MessageEvent e, CancellationToken cancellationToken) { }

            [OnMessage(MsgType = "x"), OnCancel]
            public void Mixed({|MITI0003:MessageEvent e|}) { }

            [OnMessage(MsgType = "z"), OnError]
            public void NotOnlyError(AgentEvent e, {|MITI0003:System.Exception exception|}) { }
        }

        public partial class OtherAgent
        {
            [OnMessage(MsgType = "y"), OnCancel]
            public void Any(AgentEvent e) { }
        }
        """);

    [Fact]
    public Task MITI0009_ClassThatAlreadyImplementsTheHandlerInterface_IsReported() => Verifier.AnalyzerAsync(Usings + """
        public partial class {|MITI0009:Agent|} : IMitiAgentHandler
        {
            [OnMessage]
            public void OnText(MessageEvent e) { }

            public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

            public ValueTask DispatchAsync(MitiEventContext context) => default;

            public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
        }

        public class HandWritten : IMitiAgentHandler
        {
            public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

            public ValueTask DispatchAsync(MitiEventContext context) => default;

            public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
        }

        public partial class {|MITI0009:Derived|} : HandWritten
        {
            [OnCancel]
            public void OnCancel(CancelEvent e) { }
        }

        public partial class Outer : HandWritten
        {
            public partial class Inner
            {
                [OnCancel]
                public void OnCancel(CancelEvent e) { }
            }
        }
        """);

    [Fact]
    public Task MITI0010_UnknownNamedArgument_IsReported() => Verifier.AnalyzerAsync(Usings + CodeFixTests.HandlerAttributeWithExtraProperty + """
        public partial class Agent
        {
            [OnMessage(MsgType = "image", {|MITI0010:Priority = 1|})]
            public void OnImage(MessageEvent e) { }

            [OnMessage(MsgType = "text")]
            public void OnText(MessageEvent e) { }
        }
        """);

    [Fact]
    public Task MethodsWithoutHandlerAttributes_AreNotReported() => Verifier.AnalyzerAsync("""
        public class Agent
        {
            public async void Run<T>(int x) { await System.Threading.Tasks.Task.Yield(); }
        }
        """);

    [Fact]
    public Task IncompleteCode_DoesNotCrashAndReportsWhatIsKnown() => Verifier.BrokenCodeAsync(Usings + """
        public partial class Agent
        {
            [OnMessage]
            public {|MITI0003:Missing|} OnText(MessageEvent e) { }

            [OnCancel]
            public void OnCancel(CancelEvent e, {|MITI0003:Unknown u|})

            [OnGroupAt(MsgType = 42)]
            public void OnAt(GroupAtEvent e) { }

            [OnOverload(]
            public void OnOverload(MessageEvent e) { }
        }
        """);

    [Fact]
    public Task IncompleteConfiguration_DoesNotCrash() => Verify<ConfigurationAnalyzer>.BrokenCodeAsync(Usings + """
        class Program
        {
            static void Configure(MitiAgentOptions options)
            {
                options.BaseUrl = ;
                options.AppSecret = Missing.Value;
                options.Unknown = "http://example.com";
                System.Environment.SetEnvironmentVariable("MITI_API_BASE_URL");
                System.Environment.SetEnvironmentVariable("MITI_API_BASE_URL", "http://example.com", );
                options.BaseUrl = {|MITI0001:"http://still.checked"|};
            }
        }
        """);
}
