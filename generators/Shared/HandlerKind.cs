namespace MitiAgent.Shared
{
    /// <summary>Which attribute marks a handler.</summary>
    internal enum HandlerKind
    {
        Message = 0,
        GroupAt = 1,
        Cancel = 2,
        Overload = 3,
        Error = 4,
    }

    /// <summary>What a handler returns.</summary>
    internal enum HandlerReturn
    {
        Void = 0,
        Task = 1,
        ValueTask = 2,
    }

    /// <summary>What the generated call passes for one handler parameter.</summary>
    internal enum HandlerArgument
    {
        Event = 0,
        CancellationToken = 1,
        Client = 2,
        Exception = 3,
    }

    /// <summary>The metadata names of the runtime types the handler rules and the generated code refer to.</summary>
    internal static class HandlerNames
    {
        public const string OnMessageAttribute = "MitiAgent.OnMessageAttribute";
        public const string OnGroupAtAttribute = "MitiAgent.OnGroupAtAttribute";
        public const string OnCancelAttribute = "MitiAgent.OnCancelAttribute";
        public const string OnOverloadAttribute = "MitiAgent.OnOverloadAttribute";
        public const string OnErrorAttribute = "MitiAgent.OnErrorAttribute";
        public const string HandlerInterface = "MitiAgent.IMitiAgentHandler";
        public const string AgentEvent = "MitiAgent.AgentEvent";
        public const string MessageEvent = "MitiAgent.MessageEvent";
        public const string GroupAtEvent = "MitiAgent.GroupAtEvent";
        public const string CancelEvent = "MitiAgent.CancelEvent";
        public const string Client = "MitiAgent.MitiAgentClient";

        /// <summary>The only named argument a handler attribute may carry, and only on [OnMessage] and [OnGroupAt].</summary>
        public const string MsgType = "MsgType";

        /// <summary>The attribute's metadata name.</summary>
        public static string AttributeOf(HandlerKind kind) => kind switch
        {
            HandlerKind.Message => OnMessageAttribute,
            HandlerKind.GroupAt => OnGroupAtAttribute,
            HandlerKind.Cancel => OnCancelAttribute,
            HandlerKind.Overload => OnOverloadAttribute,
            _ => OnErrorAttribute,
        };

        /// <summary>The attribute as written in source, without brackets: <c>OnMessage</c>, …</summary>
        public static string DisplayName(HandlerKind kind) => kind switch
        {
            HandlerKind.Message => "OnMessage",
            HandlerKind.GroupAt => "OnGroupAt",
            HandlerKind.Cancel => "OnCancel",
            HandlerKind.Overload => "OnOverload",
            _ => "OnError",
        };

        /// <summary>Whether the attribute has a <c>MsgType</c> filter.</summary>
        public static bool HasMsgType(HandlerKind kind) => kind is HandlerKind.Message or HandlerKind.GroupAt;
    }
}
