using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MitiAgent.Analyzers
{
    /// <summary>One attribute that makes a method a handler.</summary>
    internal readonly struct HandlerAttribute
    {
        public HandlerAttribute(HandlerKind kind, AttributeData data)
        {
            Kind = kind;
            Data = data;
        }

        public HandlerKind Kind { get; }

        public AttributeData Data { get; }

        /// <summary>The <c>MsgType</c> filter (<see langword="null"/> when unfiltered or not applicable).</summary>
        public string? MsgType
        {
            get
            {
                foreach (KeyValuePair<string, TypedConstant> named in Data.NamedArguments)
                {
                    if (named.Key == "MsgType" && named.Value.Kind == TypedConstantKind.Primitive)
                    {
                        return named.Value.Value as string;
                    }
                }

                return null;
            }
        }

        public static string DisplayName(HandlerKind kind) => kind switch
        {
            HandlerKind.Message => "OnMessage",
            HandlerKind.GroupAt => "OnGroupAt",
            HandlerKind.Cancel => "OnCancel",
            HandlerKind.Error => "OnError",
            _ => "OnOverload",
        };
    }

    /// <summary>
    /// The shape rules a handler must follow (the same rules the generator applies): what is wrong with a method, and
    /// where to point. Every problem is reported; a method with no problem is a valid handler.
    /// </summary>
    internal static class HandlerShape
    {
        public static ImmutableArray<HandlerAttribute> GetHandlerAttributes(IMethodSymbol method, KnownTypes types)
        {
            ImmutableArray<HandlerAttribute>.Builder? builder = null;
            foreach (AttributeData attribute in method.GetAttributes())
            {
                HandlerKind? kind = types.KindOf(attribute.AttributeClass);
                if (kind is not null)
                {
                    builder ??= ImmutableArray.CreateBuilder<HandlerAttribute>();
                    builder.Add(new HandlerAttribute(kind.Value, attribute));
                }
            }

            return builder is null ? ImmutableArray<HandlerAttribute>.Empty : builder.ToImmutable();
        }

        /// <summary>Reports MITI0003, MITI0004 and MITI0006 for <paramref name="method"/>; returns whether it is a valid handler.</summary>
        public static bool Check(
            IMethodSymbol method,
            ImmutableArray<HandlerAttribute> attributes,
            KnownTypes types,
            System.Action<Diagnostic>? report,
            CancellationToken cancellationToken)
        {
            MethodDeclarationSyntax? declaration = null;
            foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax candidate)
                {
                    declaration = candidate;
                    break;
                }
            }

            Location fallback = method.Locations.Length > 0 ? method.Locations[0] : Location.None;
            if (declaration is null || method.MethodKind != MethodKind.Ordinary)
            {
                Report(report, Descriptors.InvalidHandlerSignature, fallback, method.Name, "only ordinary methods can be handlers");
                return false;
            }

            if (method.ContainingType is not { TypeKind: TypeKind.Class })
            {
                Report(report, Descriptors.InvalidHandlerSignature, declaration.Identifier.GetLocation(), method.Name, "handlers must be declared in a class");
                return false;
            }

            if (method.ContainingType.IsStatic)
            {
                Report(report, Descriptors.InvalidHandlerSignature, declaration.Identifier.GetLocation(), method.Name, "handlers cannot be declared in a static class");
                return false;
            }

            bool valid = true;
            if (method.IsGenericMethod)
            {
                Location location = declaration.TypeParameterList?.GetLocation() ?? declaration.Identifier.GetLocation();
                Report(report, Descriptors.GenericHandler, location, method.Name);
                valid = false;
            }

            valid &= CheckReturn(method, declaration, types, report);
            valid &= CheckParameters(method, attributes, types, report, cancellationToken);
            return valid;
        }

        private static bool CheckReturn(IMethodSymbol method, MethodDeclarationSyntax declaration, KnownTypes types, System.Action<Diagnostic>? report)
        {
            Location location = declaration.ReturnType.GetLocation();
            if (method.ReturnsVoid)
            {
                if (method.IsAsync)
                {
                    Report(report, Descriptors.AsyncVoidHandler, location, method.Name);
                    return false;
                }

                return true;
            }

            bool ok = !method.ReturnsByRef
                && !method.ReturnsByRefReadonly
                && method.ReturnNullableAnnotation != NullableAnnotation.Annotated
                && (KnownTypes.Is(method.ReturnType, types.Task) || KnownTypes.Is(method.ReturnType, types.ValueTask));
            if (!ok)
            {
                Report(
                    report,
                    Descriptors.InvalidHandlerSignature,
                    location,
                    method.Name,
                    "the return type '" + method.ReturnType.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "' is not Task, ValueTask or void");
            }

            return ok;
        }

        private static bool CheckParameters(
            IMethodSymbol method,
            ImmutableArray<HandlerAttribute> attributes,
            KnownTypes types,
            System.Action<Diagnostic>? report,
            CancellationToken cancellationToken)
        {
            bool valid = true;
            bool seenEvent = false;
            bool seenToken = false;
            bool seenClient = false;
            bool seenException = false;
            bool errorOnly = AllAre(attributes, HandlerKind.Error);
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                Location location = ParameterLocation(parameter, cancellationToken);
                string? problem = null;
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    problem = "parameter '" + parameter.Name + "' must not be ref, out, in or params";
                }
                else if (KnownTypes.Is(parameter.Type, types.CancellationToken))
                {
                    problem = seenToken ? "only one CancellationToken parameter is allowed" : null;
                    seenToken = true;
                }
                else if (KnownTypes.Is(parameter.Type, types.Client))
                {
                    problem = seenClient ? "only one MitiAgentClient parameter is allowed" : null;
                    seenClient = true;
                }
                else if (errorOnly && KnownTypes.Is(parameter.Type, types.Exception))
                {
                    problem = seenException ? "only one Exception parameter is allowed" : null;
                    seenException = true;
                }
                else if (IsEventFor(parameter.Type, attributes, types, out string expected))
                {
                    problem = seenEvent ? "only one event parameter is allowed" : null;
                    seenEvent = true;
                }
                else
                {
                    problem = "parameter '" + parameter.Name + "' of type '"
                        + parameter.Type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)
                        + "' cannot be supplied; allowed are " + expected + (errorOnly ? ", Exception" : string.Empty)
                        + ", CancellationToken and MitiAgentClient";
                }

                if (problem is not null)
                {
                    Report(report, Descriptors.InvalidHandlerSignature, location, method.Name, problem);
                    valid = false;
                }
            }

            return valid;
        }

        private static bool IsEventFor(ITypeSymbol type, ImmutableArray<HandlerAttribute> attributes, KnownTypes types, out string expected)
        {
            bool all = true;
            var names = new List<string>();
            foreach (HandlerAttribute attribute in attributes)
            {
                bool matches;
                switch (attribute.Kind)
                {
                    case HandlerKind.GroupAt:
                        matches = KnownTypes.Is(type, types.GroupAtEvent) || KnownTypes.Is(type, types.MessageEvent)
                            || MitiAgent.Generators.ContentTypeRules.TypedEventContent(type, "GroupAtEvent") is not null;
                        AddOnce(names, "GroupAtEvent");
                        AddOnce(names, "GroupAtEvent<TContent>");
                        AddOnce(names, "MessageEvent");
                        break;
                    case HandlerKind.Cancel:
                        matches = KnownTypes.Is(type, types.CancelEvent);
                        AddOnce(names, "CancelEvent");
                        break;
                    case HandlerKind.Error:
                        // The failed event may be a message, group @ or cancel event: only AgentEvent fits them all.
                        matches = false;
                        break;
                    case HandlerKind.Message:
                        matches = KnownTypes.Is(type, types.MessageEvent)
                            || MitiAgent.Generators.ContentTypeRules.TypedEventContent(type, "MessageEvent") is not null;
                        AddOnce(names, "MessageEvent");
                        AddOnce(names, "MessageEvent<TContent>");
                        break;
                    default:
                        matches = KnownTypes.Is(type, types.MessageEvent);
                        AddOnce(names, "MessageEvent");
                        break;
                }

                all &= matches || KnownTypes.Is(type, types.AgentEvent);
            }

            AddOnce(names, "AgentEvent");
            expected = string.Join(", ", names);
            return all;
        }

        private static bool AllAre(ImmutableArray<HandlerAttribute> attributes, HandlerKind kind)
        {
            foreach (HandlerAttribute attribute in attributes)
            {
                if (attribute.Kind != kind)
                {
                    return false;
                }
            }

            return !attributes.IsEmpty;
        }

        private static void AddOnce(List<string> names, string name)
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        private static Location ParameterLocation(IParameterSymbol parameter, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in parameter.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is ParameterSyntax syntax)
                {
                    return syntax.GetLocation();
                }
            }

            return parameter.Locations.Length > 0 ? parameter.Locations[0] : Location.None;
        }

        /// <summary>Whether every declaration of <paramref name="type"/> carries the <c>partial</c> modifier.</summary>
        public static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken, out TypeDeclarationSyntax? firstDeclaration)
        {
            firstDeclaration = null;
            bool partial = false;
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
                {
                    firstDeclaration ??= declaration;
                    partial |= declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
                }
            }

            return partial || firstDeclaration is null;
        }

        private static void Report(System.Action<Diagnostic>? report, DiagnosticDescriptor descriptor, Location location, params object[] arguments)
        {
            report?.Invoke(Diagnostic.Create(descriptor, location, arguments));
        }
    }
}
