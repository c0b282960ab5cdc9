using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using MitiAgent.Shared;

namespace MitiAgent.Generators
{
    /// <summary>
    /// Implements <c>IMitiAgentHandler</c> for every <c>partial</c> class whose methods carry <c>[OnMessage]</c>,
    /// <c>[OnGroupAt]</c>, <c>[OnCancel]</c>, <c>[OnOverload]</c> or <c>[OnError]</c>: a reflection-free <c>switch</c> that calls the methods
    /// directly. Reports no diagnostics; methods of an unsupported shape are skipped (the analyzers explain them).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class MitiDispatchGenerator : IIncrementalGenerator
    {
        /// <summary>The end of every generated file's hint name.</summary>
        internal const string HintSuffix = ".MitiDispatch.g.cs";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValueProvider<ImmutableArray<HandlerModel?>> message = Handlers(context, HandlerNames.OnMessageAttribute, HandlerKind.Message, TrackingNames.MessageHandlers);
            IncrementalValueProvider<ImmutableArray<HandlerModel?>> groupAt = Handlers(context, HandlerNames.OnGroupAtAttribute, HandlerKind.GroupAt, TrackingNames.GroupAtHandlers);
            IncrementalValueProvider<ImmutableArray<HandlerModel?>> cancel = Handlers(context, HandlerNames.OnCancelAttribute, HandlerKind.Cancel, TrackingNames.CancelHandlers);
            IncrementalValueProvider<ImmutableArray<HandlerModel?>> overload = Handlers(context, HandlerNames.OnOverloadAttribute, HandlerKind.Overload, TrackingNames.OverloadHandlers);
            IncrementalValueProvider<ImmutableArray<HandlerModel?>> error = Handlers(context, HandlerNames.OnErrorAttribute, HandlerKind.Error, TrackingNames.ErrorHandlers);

            IncrementalValueProvider<EquatableArray<HandlerModel>> all = message
                .Combine(groupAt)
                .Combine(cancel)
                .Combine(overload)
                .Combine(error)
                .Select(static (pair, _) => Merge(pair.Left.Left.Left.Left, pair.Left.Left.Left.Right, pair.Left.Left.Right, pair.Left.Right, pair.Right))
                .WithTrackingName(TrackingNames.AllHandlers);

            IncrementalValuesProvider<AgentModel> agents = all
                .SelectMany(static (handlers, _) => GroupByAgent(handlers))
                .WithTrackingName(TrackingNames.Agents);

            context.RegisterSourceOutput(agents, static (spc, agent) =>
                spc.AddSource(agent.Agent.HintName, SourceText.From(DispatchEmitter.Emit(agent), Encoding.UTF8)));
        }

        private static IncrementalValueProvider<ImmutableArray<HandlerModel?>> Handlers(
            IncrementalGeneratorInitializationContext context,
            string attributeMetadataName,
            HandlerKind kind,
            string trackingName) =>
            context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attributeMetadataName,
                    static (node, _) => node is MethodDeclarationSyntax,
                    (ctx, ct) => HandlerParser.Parse(ctx, kind, ct))
                .WithTrackingName(trackingName)
                .Collect(); // Invalid handlers (null) are dropped by Merge: a Where/Select pair would be two more steps per handler.

        /// <summary>Concatenates the valid handlers of the five streams, each in source order.</summary>
        private static EquatableArray<HandlerModel> Merge(
            ImmutableArray<HandlerModel?> message,
            ImmutableArray<HandlerModel?> groupAt,
            ImmutableArray<HandlerModel?> cancel,
            ImmutableArray<HandlerModel?> overload,
            ImmutableArray<HandlerModel?> error)
        {
            var all = new List<HandlerModel>(message.Length + groupAt.Length + cancel.Length + overload.Length + error.Length);
            AddValid(all, message);
            AddValid(all, groupAt);
            AddValid(all, cancel);
            AddValid(all, overload);
            AddValid(all, error);
            return new EquatableArray<HandlerModel>(all);
        }

        private static void AddValid(List<HandlerModel> all, ImmutableArray<HandlerModel?> handlers)
        {
            foreach (HandlerModel? handler in handlers)
            {
                if (handler is not null)
                {
                    all.Add(handler);
                }
            }
        }

        /// <summary>One model per agent class, classes in ordinal order of their hint names; handlers keep source order.</summary>
        private static ImmutableArray<AgentModel> GroupByAgent(EquatableArray<HandlerModel> handlers)
        {
            var byKey = new Dictionary<string, (AgentTypeModel Agent, List<HandlerMethodModel> Methods)>(StringComparer.Ordinal);
            foreach (HandlerModel handler in handlers)
            {
                string key = handler.Agent.FullyQualifiedName;
                if (!byKey.TryGetValue(key, out var entry))
                {
                    entry = (handler.Agent, new List<HandlerMethodModel>());
                    byKey.Add(key, entry);
                }

                entry.Methods.Add(handler.Method);
            }

            var keys = new List<string>(byKey.Keys);
            keys.Sort(StringComparer.Ordinal);
            ImmutableArray<AgentModel>.Builder result = ImmutableArray.CreateBuilder<AgentModel>(keys.Count);

            // Hint names must be unique ignoring case; sanitizing can make two types collide (A_1 and A<T>, Agent and agent).
            var usedHintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (string key in keys)
            {
                var entry = byKey[key];
                AgentTypeModel agent = entry.Agent;
                if (!usedHintNames.Add(agent.HintName))
                {
                    string stem = agent.HintName.Substring(0, agent.HintName.Length - HintSuffix.Length);
                    int n = 2;
                    while (!usedHintNames.Add(stem + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + HintSuffix))
                    {
                        n++;
                    }

                    agent = agent with { HintName = stem + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + HintSuffix };
                }

                result.Add(new AgentModel(agent, new EquatableArray<HandlerMethodModel>(entry.Methods)));
            }

            return result.MoveToImmutable();
        }
    }
}
