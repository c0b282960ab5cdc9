using Microsoft.CodeAnalysis;

namespace MitiAgent.Analyzers
{
    /// <summary>The kinds of handler attributes.</summary>
    internal enum HandlerKind
    {
        Message,
        GroupAt,
        Cancel,
        Overload,
        Error,
    }

    /// <summary>The runtime and BCL types the handler rules reason about, looked up once per compilation.</summary>
    internal sealed class KnownTypes
    {
        private KnownTypes(Compilation compilation)
        {
            OnMessage = compilation.GetTypeByMetadataName("MitiAgent.OnMessageAttribute");
            OnGroupAt = compilation.GetTypeByMetadataName("MitiAgent.OnGroupAtAttribute");
            OnCancel = compilation.GetTypeByMetadataName("MitiAgent.OnCancelAttribute");
            OnOverload = compilation.GetTypeByMetadataName("MitiAgent.OnOverloadAttribute");
            OnError = compilation.GetTypeByMetadataName("MitiAgent.OnErrorAttribute");
            AgentEvent = compilation.GetTypeByMetadataName("MitiAgent.AgentEvent");
            MessageEvent = compilation.GetTypeByMetadataName("MitiAgent.MessageEvent");
            GroupAtEvent = compilation.GetTypeByMetadataName("MitiAgent.GroupAtEvent");
            CancelEvent = compilation.GetTypeByMetadataName("MitiAgent.CancelEvent");
            Client = compilation.GetTypeByMetadataName("MitiAgent.MitiAgentClient");
            CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
            ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
            Exception = compilation.GetTypeByMetadataName("System.Exception");
        }

        public INamedTypeSymbol? OnMessage { get; }

        public INamedTypeSymbol? OnGroupAt { get; }

        public INamedTypeSymbol? OnCancel { get; }

        public INamedTypeSymbol? OnOverload { get; }

        public INamedTypeSymbol? OnError { get; }

        public INamedTypeSymbol? AgentEvent { get; }

        public INamedTypeSymbol? MessageEvent { get; }

        public INamedTypeSymbol? GroupAtEvent { get; }

        public INamedTypeSymbol? CancelEvent { get; }

        public INamedTypeSymbol? Client { get; }

        public INamedTypeSymbol? CancellationToken { get; }

        public INamedTypeSymbol? Task { get; }

        public INamedTypeSymbol? ValueTask { get; }

        public INamedTypeSymbol? Exception { get; }

        /// <summary>Whether any handler attribute exists in the compilation (otherwise the handler rules have nothing to do).</summary>
        public bool HasHandlerAttributes => OnMessage is not null || OnGroupAt is not null || OnCancel is not null || OnOverload is not null || OnError is not null;

        public static KnownTypes Create(Compilation compilation) => new KnownTypes(compilation);

        public HandlerKind? KindOf(INamedTypeSymbol? attributeClass)
        {
            if (attributeClass is null)
            {
                return null;
            }

            if (Is(attributeClass, OnMessage))
            {
                return HandlerKind.Message;
            }

            if (Is(attributeClass, OnGroupAt))
            {
                return HandlerKind.GroupAt;
            }

            if (Is(attributeClass, OnCancel))
            {
                return HandlerKind.Cancel;
            }

            if (Is(attributeClass, OnOverload))
            {
                return HandlerKind.Overload;
            }

            if (Is(attributeClass, OnError))
            {
                return HandlerKind.Error;
            }

            return null;
        }

        public static bool Is(ITypeSymbol? type, ITypeSymbol? known) =>
            type is not null && known is not null && SymbolEqualityComparer.Default.Equals(type, known);
    }
}
