namespace MitiAgent.Analyzers
{
    /// <summary>The stable IDs of the MitiAgent diagnostics (shared with the code fixes).</summary>
    public static class DiagnosticIds
    {
        /// <summary>Insecure <c>http://</c> base URL for a non-loopback host.</summary>
        public const string InsecureBaseUrl = "MITI0001";

        /// <summary>A type declaring (or containing) handlers is not <c>partial</c>.</summary>
        public const string TypeNotPartial = "MITI0002";

        /// <summary>A handler has a return type or parameter the dispatcher cannot supply.</summary>
        public const string InvalidHandlerSignature = "MITI0003";

        /// <summary>A handler is <c>async void</c>.</summary>
        public const string AsyncVoidHandler = "MITI0004";

        /// <summary>Two handlers of the same kind and <c>MsgType</c> in one class.</summary>
        public const string DuplicateHandler = "MITI0005";

        /// <summary>A handler method is generic.</summary>
        public const string GenericHandler = "MITI0006";

        /// <summary>The app secret is written as a string literal.</summary>
        public const string HardCodedAppSecret = "MITI0007";

        /// <summary>A valid asynchronous handler could accept a <c>CancellationToken</c>.</summary>
        public const string HandlerCanAcceptCancellationToken = "MITI0008";

        /// <summary>A class with handlers already implements <c>IMitiAgentHandler</c>, so the generator leaves it alone.</summary>
        public const string HandlerInterfaceAlreadyImplemented = "MITI0009";

        /// <summary>A handler attribute carries an argument the generator does not understand (anything but <c>MsgType</c>).</summary>
        public const string UnsupportedHandlerAttributeArgument = "MITI0010";
    }
}
