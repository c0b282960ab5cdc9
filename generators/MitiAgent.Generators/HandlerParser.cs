using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MitiAgent.Generators
{
    /// <summary>
    /// Turns one attributed method into an equatable <see cref="HandlerModel"/>, or <see langword="null"/> when its shape is
    /// not one the generated dispatch can call (the analyzers explain why). Nothing of the symbols or syntax is kept.
    /// </summary>
    internal static class HandlerParser
    {
        private const string RuntimeNamespace = "MitiAgent";

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
            if (context.TargetSymbol is not IMethodSymbol method
                || context.TargetNode is not MethodDeclarationSyntax
                || method.MethodKind != MethodKind.Ordinary
                || method.IsGenericMethod
                || method.ContainingType is not INamedTypeSymbol agentType)
            {
                return null;
            }

            string? msgType = null;
            if (kind is HandlerKind.Message or HandlerKind.GroupAt)
            {
                if (context.Attributes.Length != 1 || !TryReadMsgType(context.Attributes[0], out msgType))
                {
                    return null;
                }
            }

            Compilation compilation = context.SemanticModel.Compilation;
            INamedTypeSymbol? handlerInterface = compilation.GetTypeByMetadataName(RuntimeNamespace + ".IMitiAgentHandler");
            INamedTypeSymbol? agentEvent = compilation.GetTypeByMetadataName(RuntimeNamespace + ".AgentEvent");
            INamedTypeSymbol? messageEvent = compilation.GetTypeByMetadataName(RuntimeNamespace + ".MessageEvent");
            INamedTypeSymbol? groupAtEvent = compilation.GetTypeByMetadataName(RuntimeNamespace + ".GroupAtEvent");
            INamedTypeSymbol? cancelEvent = compilation.GetTypeByMetadataName(RuntimeNamespace + ".CancelEvent");
            INamedTypeSymbol? client = compilation.GetTypeByMetadataName(RuntimeNamespace + ".MitiAgentClient");
            INamedTypeSymbol? cancellationTokenType = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
            INamedTypeSymbol? task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
            INamedTypeSymbol? valueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
            INamedTypeSymbol? exception = compilation.GetTypeByMetadataName("System.Exception");
            if (exception is null || handlerInterface is null || agentEvent is null || messageEvent is null || groupAtEvent is null || cancelEvent is null
                || client is null || cancellationTokenType is null || task is null || valueTask is null)
            {
                return null;
            }

            if (!IsValidAgentType(agentType, handlerInterface, cancellationToken))
            {
                return null;
            }

            HandlerReturn? returnKind = ReadReturn(method, task, valueTask);
            if (returnKind is null)
            {
                return null;
            }

            var arguments = new List<HandlerArgument>(method.Parameters.Length);
            string? contentType = null;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    return null;
                }

                if (!ContentTypeParser.TryReadTypedEvent(parameter.Type, kind, msgType, agentType, compilation, out string? typedContent))
                {
                    return null;
                }

                contentType ??= typedContent;
                HandlerArgument? argument = typedContent is not null
                    ? HandlerArgument.Event
                    : ReadArgument(parameter.Type, kind, agentEvent, messageEvent, groupAtEvent, cancelEvent, client, cancellationTokenType, exception);
                if (argument is null || arguments.Contains(argument.Value))
                {
                    return null;
                }

                arguments.Add(argument.Value);
            }

            AgentTypeModel? agent = BuildAgentType(agentType);
            if (agent is null)
            {
                return null;
            }

            var handler = new HandlerMethodModel(
                EscapeIdentifier(method.Name),
                kind,
                msgType,
                method.IsStatic,
                returnKind.Value,
                new EquatableArray<HandlerArgument>(arguments),
                contentType);
            return new HandlerModel(agent, handler);
        }

        private static bool TryReadMsgType(AttributeData attribute, out string? msgType)
        {
            msgType = null;
            if (attribute.ConstructorArguments.Length != 0)
            {
                return false;
            }

            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                if (named.Key != "MsgType")
                {
                    return false;
                }

                TypedConstant value = named.Value;
                if (value.Kind == TypedConstantKind.Error || value.Kind == TypedConstantKind.Array)
                {
                    return false;
                }

                if (value.IsNull)
                {
                    msgType = null;
                }
                else if (value.Value is string text)
                {
                    msgType = text;
                }
                else
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsValidAgentType(INamedTypeSymbol agentType, INamedTypeSymbol handlerInterface, CancellationToken cancellationToken)
        {
            if (agentType.TypeKind != TypeKind.Class || agentType.IsStatic || agentType.IsImplicitlyDeclared)
            {
                return false;
            }

            foreach (INamedTypeSymbol implemented in agentType.AllInterfaces)
            {
                if (SymbolEqualityComparer.Default.Equals(implemented, handlerInterface))
                {
                    return false;
                }
            }

            for (INamedTypeSymbol? type = agentType; type is not null; type = type.ContainingType)
            {
                if (type.DeclaringSyntaxReferences.Length == 0)
                {
                    return false;
                }

                foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration
                        || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static HandlerReturn? ReadReturn(IMethodSymbol method, INamedTypeSymbol task, INamedTypeSymbol valueTask)
        {
            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                return null;
            }

            if (method.ReturnsVoid)
            {
                return method.IsAsync ? null : HandlerReturn.Void;
            }

            if (method.ReturnNullableAnnotation == NullableAnnotation.Annotated)
            {
                return null;
            }

            if (SymbolEqualityComparer.Default.Equals(method.ReturnType, task))
            {
                return HandlerReturn.Task;
            }

            if (SymbolEqualityComparer.Default.Equals(method.ReturnType, valueTask))
            {
                return HandlerReturn.ValueTask;
            }

            return null;
        }

        private static HandlerArgument? ReadArgument(
            ITypeSymbol type,
            HandlerKind kind,
            INamedTypeSymbol agentEvent,
            INamedTypeSymbol messageEvent,
            INamedTypeSymbol groupAtEvent,
            INamedTypeSymbol cancelEvent,
            INamedTypeSymbol client,
            INamedTypeSymbol cancellationToken,
            INamedTypeSymbol exception)
        {
            if (SymbolEqualityComparer.Default.Equals(type, cancellationToken))
            {
                return HandlerArgument.CancellationToken;
            }

            if (SymbolEqualityComparer.Default.Equals(type, client))
            {
                return HandlerArgument.Client;
            }

            if (SymbolEqualityComparer.Default.Equals(type, agentEvent))
            {
                return HandlerArgument.Event;
            }

            if (kind == HandlerKind.Error)
            {
                // The failed event may be of any kind, so only AgentEvent; the exception only as System.Exception.
                return SymbolEqualityComparer.Default.Equals(type, exception) ? HandlerArgument.Exception : null;
            }

            bool matches = kind switch
            {
                HandlerKind.Message or HandlerKind.Overload => SymbolEqualityComparer.Default.Equals(type, messageEvent),
                HandlerKind.GroupAt => SymbolEqualityComparer.Default.Equals(type, groupAtEvent) || SymbolEqualityComparer.Default.Equals(type, messageEvent),
                HandlerKind.Cancel => SymbolEqualityComparer.Default.Equals(type, cancelEvent),
                _ => false,
            };
            return matches ? HandlerArgument.Event : null;
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
