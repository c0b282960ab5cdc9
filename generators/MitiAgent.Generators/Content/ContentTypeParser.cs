using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Shared;

namespace MitiAgent.Generators
{
    /// <summary>
    /// Turns content types (from handler signatures, <c>[MitiContent]</c>, <c>OutgoingContent.Create</c> calls) into
    /// equatable models of their whole graph. A graph with a type the generator cannot describe gives no model (the
    /// analyzer reports MITI0012). Nothing of the symbols is kept.
    /// </summary>
    internal static class ContentTypeParser
    {
        private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        /// <summary>
        /// Reads a typed event parameter (<c>MessageEvent&lt;T&gt;</c> / <c>GroupAtEvent&lt;T&gt;</c>) for the dispatch:
        /// <see langword="true"/> with <paramref name="contentTypeName"/> <see langword="null"/> when the parameter is not
        /// typed; <see langword="false"/> when it is typed but the analyzers report an error for it (MITI0011 no
        /// <c>MsgType</c> for a non-text shape, MITI0012 a type the generator cannot describe): such a handler is not wired.
        /// </summary>
        public static bool TryReadTypedEvent(ITypeSymbol parameterType, HandlerKind kind, string? msgType, INamedTypeSymbol agent, Compilation compilation, out string? contentTypeName)
        {
            contentTypeName = null;
            ITypeSymbol? content = kind switch
            {
                HandlerKind.Message => ContentTypeRules.TypedEventContent(parameterType, "MessageEvent"),
                HandlerKind.GroupAt => ContentTypeRules.TypedEventContent(parameterType, "GroupAtEvent"),
                _ => null,
            };
            if (content is null)
            {
                return true;
            }

            if (content.TypeKind == TypeKind.Error
                || (msgType is null && !ContentTypeRules.IsTextShape(content))
                || (!HasJsonContext(agent) && ContentTypeRules.WhyNotDescribable(content, compilation) is not null))
            {
                return false;
            }

            contentTypeName = content.ToDisplayString(FullyQualified);
            return true;
        }

        /// <summary>The expression the dispatch passes to a typed handler: the event read into its content type.</summary>
        public static string ReadExpression(HandlerKind kind, string contentTypeName, string eventName) =>
            "global::MitiAgent.MitiContentJson." + (kind == HandlerKind.GroupAt ? "ReadGroupAt<" : "ReadMessage<") + contentTypeName + ">(" + eventName + ")";

        /// <summary>The content graph of a typed handler's parameter.</summary>
        public static ContentRootModel? FromHandler(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method || method.ContainingType is not { } agent || HasJsonContext(agent))
            {
                return null;
            }

            foreach (IParameterSymbol parameter in method.Parameters)
            {
                ITypeSymbol? content = ContentTypeRules.TypedEventContent(parameter.Type, "MessageEvent")
                    ?? ContentTypeRules.TypedEventContent(parameter.Type, "GroupAtEvent");
                if (content is not null)
                {
                    return Build(content, context.SemanticModel.Compilation, cancellationToken);
                }
            }

            return null;
        }

        /// <summary>The graphs of <c>[MitiContent(typeof(T))]</c> on a class, or the class's <c>[MitiJsonContext]</c>.</summary>
        public static ContentRootModel? FromAttribute(GeneratorAttributeSyntaxContext context, bool isJsonContext, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol agent)
            {
                return null;
            }

            var types = new List<ContentTypeModel>();
            foreach (AttributeData attribute in context.Attributes)
            {
                if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not ITypeSymbol type)
                {
                    continue;
                }

                if (isJsonContext)
                {
                    return type.TypeKind == TypeKind.Class && !type.IsAbstract
                        ? new ContentRootModel(EquatableArray<ContentTypeModel>.Empty, type.ToDisplayString(FullyQualified))
                        : null;
                }

                if (HasJsonContext(agent))
                {
                    return null;
                }

                ContentRootModel? root = Build(type, context.SemanticModel.Compilation, cancellationToken);
                if (root is not null)
                {
                    types.AddRange(root.Types);
                }
            }

            return types.Count == 0 ? null : new ContentRootModel(new EquatableArray<ContentTypeModel>(types), null);
        }

        /// <summary>Cheap syntax filter for <c>OutgoingContent.Create(...)</c> / <c>Create&lt;T&gt;(...)</c> calls.</summary>
        public static bool IsCreateCall(SyntaxNode node) =>
            node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } invocation
            && invocation.ArgumentList.Arguments.Count == 2
            && access.Name.Identifier.ValueText == "Create";

        /// <summary>The content graph of the value passed to <c>OutgoingContent.Create(msgType, value)</c>.</summary>
        public static ContentRootModel? FromCreateCall(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.SemanticModel.GetSymbolInfo(context.Node, cancellationToken).Symbol is not IMethodSymbol
                {
                    Name: "Create",
                    IsGenericMethod: true,
                    Parameters.Length: 2,
                    ContainingType: { Name: "OutgoingContent", ContainingNamespace: { Name: ContentTypeRules.RuntimeNamespace, ContainingNamespace.IsGlobalNamespace: true } },
                } method)
            {
                return null;
            }

            // Inside an agent that uses its own JsonSerializerContext, the context describes the type.
            INamedTypeSymbol? enclosing = context.SemanticModel.GetEnclosingSymbol(context.Node.SpanStart, cancellationToken)?.ContainingType;
            for (INamedTypeSymbol? type = enclosing; type is not null; type = type.ContainingType)
            {
                if (HasJsonContext(type))
                {
                    return null;
                }
            }

            return Build(method.TypeArguments[0], context.SemanticModel.Compilation, cancellationToken);
        }

        /// <summary>Whether <paramref name="type"/> or a type containing it has <c>[MitiJsonContext]</c> (as the analyzer sees it).</summary>
        private static bool HasJsonContext(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                foreach (AttributeData attribute in current.GetAttributes())
                {
                    if (attribute.AttributeClass is { Name: "MitiJsonContextAttribute", ContainingNamespace: { Name: ContentTypeRules.RuntimeNamespace, ContainingNamespace.IsGlobalNamespace: true } })
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>The models of every type <paramref name="root"/> reaches, or <see langword="null"/> when one of them cannot be described.</summary>
        public static ContentRootModel? Build(ITypeSymbol root, Compilation compilation, CancellationToken cancellationToken)
        {
            if (ContentTypeRules.IsBuiltIn(root))
            {
                return null;
            }

            var models = new List<ContentTypeModel>();
            var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            var pending = new Stack<ITypeSymbol>();
            pending.Push(root);
            while (pending.Count != 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ITypeSymbol type = pending.Pop();
                if (type.NullableAnnotation == NullableAnnotation.Annotated && type.IsReferenceType)
                {
                    type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                }

                if (!visited.Add(type))
                {
                    continue;
                }

                ContentShape shape = ContentTypeRules.Classify(type, compilation);
                string name = type.ToDisplayString(FullyQualified);
                switch (shape.Kind)
                {
                    case ContentKind.Unsupported:
                        return null;
                    case ContentKind.Object:
                        ContentTypeModel? model = BuildObject((INamedTypeSymbol)type, name, pending);
                        if (model is null)
                        {
                            return null;
                        }

                        models.Add(model);
                        break;
                    default:
                        string? element = null;
                        if (shape.Element is not null)
                        {
                            pending.Push(shape.Element);
                            element = shape.Element.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified);
                        }

                        models.Add(new ContentTypeModel(name, shape.Kind, shape.Converter, element, false, EquatableArray<ContentPropertyModel>.Empty, EquatableArray<ContentParameterModel>.Empty));
                        break;
                }
            }

            models.Sort(static (a, b) => string.CompareOrdinal(a.TypeName, b.TypeName));
            return new ContentRootModel(new EquatableArray<ContentTypeModel>(models), null);
        }

        private static ContentTypeModel? BuildObject(INamedTypeSymbol type, string name, Stack<ITypeSymbol> pending)
        {
            IMethodSymbol? constructor = ContentTypeRules.FindConstructor(type);
            if (constructor is null)
            {
                return null;
            }

            var properties = new List<ContentPropertyModel>();
            var parameters = new List<ContentParameterModel>();
            var constructorNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                constructorNames.Add(parameter.Name);
                pending.Push(parameter.Type);
                parameters.Add(new ContentParameterModel(
                    parameter.Name,
                    TypeName(parameter.Type),
                    IsMemberInitializer: false,
                    parameter.HasExplicitDefaultValue,
                    parameter.HasExplicitDefaultValue ? DefaultValue(parameter) : null));
            }

            foreach (ContentMember member in ContentTypeRules.GetMembers(type))
            {
                IPropertySymbol property = member.Property;
                bool ignored = member.IgnoreCondition == "Always";
                ContentSetter setter = property.SetMethod is { DeclaredAccessibility: Accessibility.Public } set
                    ? (set.IsInitOnly ? ContentSetter.Init : ContentSetter.Set)
                    : ContentSetter.None;
                if (!ignored)
                {
                    pending.Push(property.Type);
                    if (setter == ContentSetter.Init && !constructorNames.Contains(property.Name))
                    {
                        parameters.Add(new ContentParameterModel(property.Name, TypeName(property.Type), IsMemberInitializer: true, false, null));
                    }
                }

                properties.Add(new ContentPropertyModel(
                    EscapeIdentifier(property.Name),
                    TypeName(property.Type),
                    property.ContainingType.ToDisplayString(FullyQualified),
                    member.JsonName,
                    member.IgnoreCondition,
                    property.IsVirtual || property.IsOverride || property.IsAbstract,
                    setter,
                    member.IsRequired));
            }

            return new ContentTypeModel(
                name,
                ContentKind.Object,
                null,
                null,
                constructor.Parameters.Length == 0,
                new EquatableArray<ContentPropertyModel>(properties),
                new EquatableArray<ContentParameterModel>(parameters));
        }

        private static string TypeName(ITypeSymbol type) =>
            (type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type).ToDisplayString(FullyQualified);

        private static string DefaultValue(IParameterSymbol parameter)
        {
            object? value = parameter.ExplicitDefaultValue;
            string type = TypeName(parameter.Type);
            if (value is null)
            {
                return "default(" + type + ")";
            }

            if (value is string text)
            {
                return SymbolDisplay.FormatLiteral(text, quote: true);
            }

            if (value is bool flag)
            {
                return flag ? "true" : "false";
            }

            if (value is char c)
            {
                return SymbolDisplay.FormatLiteral(c, quote: true);
            }

            string literal = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "0";
            if (value is double or float)
            {
                if (value is double d && (double.IsNaN(d) || double.IsInfinity(d)))
                {
                    return "default(" + type + ")";
                }

                literal = ((IFormattable)value).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            }

            return "(" + type + ")(" + literal + (value is decimal ? "m" : value is float ? "f" : value is double ? "d" : string.Empty) + ")";
        }

        private static string EscapeIdentifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
