namespace MitiAgent.Generators
{
    /// <summary>Names of the generator's tracked pipeline steps (tests discover them by reflection).</summary>
    public static class TrackingNames
    {
        /// <summary>The transform of each <c>[OnMessage]</c> method: a handler model, or null for an invalid shape.</summary>
        public const string MessageHandlers = "MessageHandlers";

        /// <summary>The transform of each <c>[OnGroupAt]</c> method.</summary>
        public const string GroupAtHandlers = "GroupAtHandlers";

        /// <summary>The transform of each <c>[OnCancel]</c> method.</summary>
        public const string CancelHandlers = "CancelHandlers";

        /// <summary>The transform of each <c>[OnOverload]</c> method.</summary>
        public const string OverloadHandlers = "OverloadHandlers";

        /// <summary>The transform of each <c>[OnError]</c> method.</summary>
        public const string ErrorHandlers = "ErrorHandlers";

        /// <summary>Every valid handler of the compilation, merged from the five streams in source order.</summary>
        public const string AllHandlers = "AllHandlers";

        /// <summary>One model per agent class.</summary>
        public const string Agents = "Agents";
    }
}
