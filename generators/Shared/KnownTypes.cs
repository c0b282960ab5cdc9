using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace MitiAgent.Shared
{
    /// <summary>
    /// The runtime and BCL types the handler rules reason about, looked up once per compilation (<see cref="For"/>), plus
    /// the per-type checks every handler of a class shares, computed once per class and compilation.
    /// </summary>
    internal sealed class KnownTypes
    {
        // One instance per compilation: the generator's per-handler transform and every analyzer callback of a
        // compilation share it instead of repeating fourteen GetTypeByMetadataName calls per handler.
        private static readonly ConditionalWeakTable<Compilation, KnownTypes> PerCompilation = new();

        private readonly ConcurrentDictionary<INamedTypeSymbol, ImmutableArray<HandlerProblem>> _typeProblems =
            new(SymbolEqualityComparer.Default);

        private KnownTypes(Compilation compilation)
        {
            OnMessage = compilation.GetTypeByMetadataName(HandlerNames.OnMessageAttribute);
            OnGroupAt = compilation.GetTypeByMetadataName(HandlerNames.OnGroupAtAttribute);
            OnCancel = compilation.GetTypeByMetadataName(HandlerNames.OnCancelAttribute);
            OnOverload = compilation.GetTypeByMetadataName(HandlerNames.OnOverloadAttribute);
            OnError = compilation.GetTypeByMetadataName(HandlerNames.OnErrorAttribute);
            HandlerInterface = compilation.GetTypeByMetadataName(HandlerNames.HandlerInterface);
            AgentEvent = compilation.GetTypeByMetadataName(HandlerNames.AgentEvent);
            MessageEvent = compilation.GetTypeByMetadataName(HandlerNames.MessageEvent);
            GroupAtEvent = compilation.GetTypeByMetadataName(HandlerNames.GroupAtEvent);
            CancelEvent = compilation.GetTypeByMetadataName(HandlerNames.CancelEvent);
            Client = compilation.GetTypeByMetadataName(HandlerNames.Client);
            CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
            ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
            Exception = compilation.GetTypeByMetadataName("System.Exception");
            IsComplete = HandlerInterface is not null && AgentEvent is not null && MessageEvent is not null && GroupAtEvent is not null
                && CancelEvent is not null && Client is not null && CancellationToken is not null && Task is not null
                && ValueTask is not null && Exception is not null;
        }

        public INamedTypeSymbol? OnMessage { get; }

        public INamedTypeSymbol? OnGroupAt { get; }

        public INamedTypeSymbol? OnCancel { get; }

        public INamedTypeSymbol? OnOverload { get; }

        public INamedTypeSymbol? OnError { get; }

        public INamedTypeSymbol? HandlerInterface { get; }

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

        /// <summary>
        /// Whether every type a handler signature can mention was found; without them no handler can be classified
        /// (the runtime is not referenced) and neither the generator nor the analyzers look at handlers.
        /// </summary>
        public bool IsComplete { get; }

        /// <summary>The known types of <paramref name="compilation"/>, created on first use.</summary>
        public static KnownTypes For(Compilation compilation) => PerCompilation.GetValue(compilation, static c => new KnownTypes(c));

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

        /// <summary>The problems of <paramref name="type"/> itself (see <see cref="HandlerRules.TypeProblems"/>), computed once per type.</summary>
        internal ImmutableArray<HandlerProblem> CachedTypeProblems(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            _typeProblems.TryGetValue(type, out ImmutableArray<HandlerProblem> problems)
                ? problems
                : _typeProblems.GetOrAdd(type, HandlerRules.ComputeTypeProblems(type, this, cancellationToken));
    }
}
