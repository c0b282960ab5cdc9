using Microsoft.CodeAnalysis;

namespace MitiAgent.Analyzers
{
    /// <summary>The descriptors of every MitiAgent diagnostic; see <c>docs/diagnostics.md</c>.</summary>
    internal static class Descriptors
    {
        /// <summary>docs/diagnostics.md in the repository (RepositoryUrl in Directory.Build.props); each rule links its anchor.</summary>
        private const string HelpLinkBase = RepositoryInfo.DiagnosticsHelpUrl + "#";
        private const string SecurityCategory = "MitiAgent.Security";
        private const string HandlersCategory = "MitiAgent.Handlers";

        public static readonly DiagnosticDescriptor InsecureBaseUrl = Create(
            DiagnosticIds.InsecureBaseUrl,
            "Insecure http:// base URL",
            "The Miti base URL '{0}' uses http:// for the non-loopback host '{1}'; use https:// (plain http is allowed only for localhost, 127.x.y.z and [::1])",
            SecurityCategory,
            DiagnosticSeverity.Warning,
            "The SDK refuses plain http for any host other than a loopback host at run time; the URL must use https.");

        public static readonly DiagnosticDescriptor TypeNotPartial = Create(
            DiagnosticIds.TypeNotPartial,
            "Handler class must be partial",
            "Type '{0}' declares or contains MitiAgent handlers and must be declared 'partial' so that the generated dispatch can be added to it",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "The source generator completes the class that declares [OnMessage], [OnGroupAt], [OnCancel], [OnOverload] or [OnError] handlers; the class and all of its containing types must be partial.");

        public static readonly DiagnosticDescriptor InvalidHandlerSignature = Create(
            DiagnosticIds.InvalidHandlerSignature,
            "Invalid handler signature",
            "Handler '{0}' is invalid: {1}",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "A handler returns Task, ValueTask or void and takes, in any order and each at most once, the event, a CancellationToken and the MitiAgentClient (an [OnError] handler also the Exception).");

        public static readonly DiagnosticDescriptor AsyncVoidHandler = Create(
            DiagnosticIds.AsyncVoidHandler,
            "Handler must not be async void",
            "Handler '{0}' is 'async void'; return Task so that the dispatcher can await it and observe its exceptions",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "An async void method cannot be awaited: its exceptions crash the process and its end cannot be observed.");

        public static readonly DiagnosticDescriptor DuplicateHandler = Create(
            DiagnosticIds.DuplicateHandler,
            "Duplicate handler",
            "Handler '{0}' duplicates '{1}': both handle {2}; only one of them can be called",
            HandlersCategory,
            DiagnosticSeverity.Warning,
            "Each event kind and MsgType may have only one handler per class.");

        public static readonly DiagnosticDescriptor GenericHandler = Create(
            DiagnosticIds.GenericHandler,
            "Handler must not be generic",
            "Handler '{0}' is generic; the dispatcher cannot infer its type arguments",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "Handler methods cannot declare type parameters.");

        public static readonly DiagnosticDescriptor HardCodedAppSecret = Create(
            DiagnosticIds.HardCodedAppSecret,
            "App secret written in source",
            "The app secret is written as a string literal; load it from configuration, an environment variable or a secret store",
            SecurityCategory,
            DiagnosticSeverity.Warning,
            "A secret in source code ends up in version control and in the compiled assembly.");

        public static readonly DiagnosticDescriptor HandlerCanAcceptCancellationToken = Create(
            DiagnosticIds.HandlerCanAcceptCancellationToken,
            "Handler can accept a CancellationToken",
            "Handler '{0}' can accept a CancellationToken that is cancelled when the run is stopped or the agent shuts down",
            HandlersCategory,
            DiagnosticSeverity.Info,
            "Asynchronous handlers should observe cancellation (assistant.cancel and shutdown).");

        public static readonly DiagnosticDescriptor HandlerInterfaceAlreadyImplemented = Create(
            DiagnosticIds.HandlerInterfaceAlreadyImplemented,
            "Class with handlers already implements IMitiAgentHandler",
            "Type '{0}' already implements IMitiAgentHandler, so the generator does not wire its [OnMessage], [OnGroupAt], [OnCancel], [OnOverload] and [OnError] handlers; remove the hand-written implementation or the handler attributes",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "The source generator implements IMitiAgentHandler for a class with handler methods; a class (or a base class) that implements it by hand keeps its own dispatch and the attributed methods are never called.");

        public static readonly DiagnosticDescriptor UnsupportedHandlerAttributeArgument = Create(
            DiagnosticIds.UnsupportedHandlerAttributeArgument,
            "Unsupported handler attribute argument",
            "The argument '{0}' of [{1}] on handler '{2}' is not understood by the MitiAgent generator, so the handler is not wired; remove the argument",
            HandlersCategory,
            DiagnosticSeverity.Error,
            "Handler attributes take no arguments except MsgType on [OnMessage] and [OnGroupAt]; the generator skips a handler whose attribute carries anything else rather than ignore it.");

        private static DiagnosticDescriptor Create(
            string id, string title, string message, string category, DiagnosticSeverity severity, string description)
        {
            return new DiagnosticDescriptor(
                id,
                title,
                message,
                category,
                severity,
                isEnabledByDefault: true,
                description: description,
                helpLinkUri: HelpLinkBase + id.ToLowerInvariant());
        }
    }
}
