using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Shared;

namespace MitiAgent.Generators
{
    /// <summary>
    /// Turns one attributed method into an equatable <see cref="HandlerModel"/>, or <see langword="null"/> when
    /// <see cref="HandlerRules"/> finds a problem (the analyzers report it). Nothing of the symbols or syntax is kept.
    /// </summary>
    internal static class HandlerParser
    {
        // The agent class's model is the same for each of its handlers: built once per class and compilation.
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<INamedTypeSymbol, AgentTypeModel?>> AgentTypes = new();

        public static HandlerModel? Parse(GeneratorAttributeSyntaxContext context, HandlerKind kind, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return ParseCore(context, kind, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Incomplete code must never crash the generator: an unexpected shape is simply not a handler.
                return null;
            }
        }

        private static HandlerModel? ParseCore(GeneratorAttributeSyntaxContext context, HandlerKind kind, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method)
            {
                return null;
            }

            Compilation compilation = context.SemanticModel.Compilation;
            KnownTypes types = KnownTypes.For(compilation);
            if (!types.IsComplete)
            {
                return null;
            }

            // The same rules the analyzers report (generators/Shared/HandlerRules.cs): wire only what they accept.
            HandlerSignature? signature = HandlerRules.SignatureOf(method, context.TargetNode as MethodDeclarationSyntax, types, out var attributes, cancellationToken);
            if (signature is null)
            {
                return null;
            }

            string? msgType = null;
            foreach (HandlerAttributeInfo attribute in attributes)
            {
                if (attribute.Kind == kind)
                {
                    msgType = attribute.MsgType;
                    break;
                }
            }

            // A typed event (MessageEvent<T>/GroupAtEvent<T>) names its content type; one the content rules reject
            // (MITI0011/MITI0012, reported by ContentTypeAnalyzer) is not wired.
            string? contentType = null;
            if (kind is HandlerKind.Message or HandlerKind.GroupAt)
            {
                // Only these kinds take a typed event; the public Parameters array is a new one on every access.
                foreach (IParameterSymbol parameter in method.Parameters)
                {
                    if (!ContentTypeParser.TryReadTypedEvent(parameter.Type, kind, msgType, method.ContainingType, compilation, out string? typedContent))
                    {
                        return null;
                    }

                    contentType ??= typedContent;
                }
            }

            AgentTypeModel? agent = AgentTypes
                .GetValue(compilation, static _ => new ConcurrentDictionary<INamedTypeSymbol, AgentTypeModel?>(SymbolEqualityComparer.Default))
                .GetOrAdd(method.ContainingType, static type => BuildAgentType(type));
            if (agent is null)
            {
                return null;
            }

            var handler = new HandlerMethodModel(
                EscapeIdentifier(method.Name),
                kind,
                msgType,
                signature.IsStatic,
                signature.Return,
                EquatableArray<HandlerArgument>.Of(signature.Arguments),
                contentType);
            return new HandlerModel(agent, handler);
        }

        private static AgentTypeModel? BuildAgentType(INamedTypeSymbol agentType)
        {
            var chain = new List<INamedTypeSymbol>();
            for (INamedTypeSymbol? type = agentType; type is not null; type = type.ContainingType)
            {
                chain.Add(type);
            }

            chain.Reverse();
            INamespaceSymbol? containingNamespace = chain[0].ContainingNamespace;
            if (containingNamespace is null)
            {
                return null;
            }

            var namespaceParts = new List<string>();
            var hintParts = new List<string>();
            for (INamespaceSymbol? ns = containingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            {
                namespaceParts.Add(EscapeIdentifier(ns.Name));
                hintParts.Add(ns.Name);
            }

            namespaceParts.Reverse();
            hintParts.Reverse();
            string namespaceName = string.Join(".", namespaceParts);

            var declarations = new List<TypeDeclarationModel>(chain.Count);
            var qualified = new StringBuilder("global::");
            if (namespaceName.Length != 0)
            {
                qualified.Append(namespaceName).Append('.');
            }

            for (int i = 0; i < chain.Count; i++)
            {
                INamedTypeSymbol type = chain[i];
                string? keyword = KeywordOf(type);
                if (keyword is null || type.Name.Length == 0)
                {
                    return null;
                }

                string typeParameters = string.Empty;
                if (type.TypeParameters.Length != 0)
                {
                    var names = new List<string>(type.TypeParameters.Length);
                    foreach (ITypeParameterSymbol parameter in type.TypeParameters)
                    {
                        names.Add(EscapeIdentifier(parameter.Name));
                    }

                    typeParameters = "<" + string.Join(", ", names) + ">";
                }

                string name = EscapeIdentifier(type.Name);
                declarations.Add(new TypeDeclarationModel(keyword, name, typeParameters));
                if (i != 0)
                {
                    qualified.Append('.');
                }

                qualified.Append(name).Append(typeParameters);
                hintParts.Add(type.Arity == 0 ? type.Name : type.Name + "_" + type.Arity.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            string hintName = SanitizeHintName(string.Join(".", hintParts)) + MitiDispatchGenerator.HintSuffix;
            return new AgentTypeModel(namespaceName, new EquatableArray<TypeDeclarationModel>(declarations), qualified.ToString(), hintName);
        }

        private static string? KeywordOf(INamedTypeSymbol type)
        {
            switch (type.TypeKind)
            {
                case TypeKind.Class:
                    return type.IsRecord ? "record" : "class";
                case TypeKind.Struct:
                    return type.IsRecord ? "record struct" : "struct";
                case TypeKind.Interface:
                    return "interface";
                default:
                    return null;
            }
        }

        private static string EscapeIdentifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string SanitizeHintName(string name)
        {
            var builder = new StringBuilder(name.Length);
            foreach (char c in name)
            {
                builder.Append(char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_');
            }

            return builder.ToString();
        }
    }
}
