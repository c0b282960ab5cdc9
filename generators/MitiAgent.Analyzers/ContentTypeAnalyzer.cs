using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using MitiAgent.Generators;
using MitiAgent.Shared;

namespace MitiAgent.Analyzers
{
    /// <summary>
    /// Typed content: a typed handler without <c>MsgType</c> that does not read a built-in text shape (MITI0011), and a
    /// content type the generator cannot describe as JSON, in a handler signature, in <c>[MitiContent(typeof(T))]</c> or
    /// as the value of <c>OutgoingContent.Create(msgType, value)</c> (MITI0012). Agents with <c>[MitiJsonContext]</c> describe their types themselves and are not checked for MITI0012.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ContentTypeAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.TypedHandlerWithoutMsgType,
            Descriptors.ContentTypeNotDescribable);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                KnownTypes types = KnownTypes.For(start.Compilation);
                if (!types.HasHandlerAttributes)
                {
                    return;
                }

                start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, types), SymbolKind.Method);
                start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
            });
            context.RegisterOperationAction(AnalyzeCreateCall, Microsoft.CodeAnalysis.OperationKind.Invocation);
        }

        private static void AnalyzeMethod(SymbolAnalysisContext context, KnownTypes types)
        {
            var method = (IMethodSymbol)context.Symbol;
            ImmutableArray<HandlerAttributeInfo> attributes = HandlerRules.GetHandlerAttributes(method, types);
            if (attributes.IsEmpty)
            {
                return;
            }

            foreach (IParameterSymbol parameter in method.Parameters)
            {
                foreach (HandlerAttributeInfo attribute in attributes)
                {
                    ITypeSymbol? content = attribute.Kind switch
                    {
                        HandlerKind.Message => ContentTypeRules.TypedEventContent(parameter.Type, "MessageEvent"),
                        HandlerKind.GroupAt => ContentTypeRules.TypedEventContent(parameter.Type, "GroupAtEvent"),
                        _ => null,
                    };
                    if (content is null || content.TypeKind == TypeKind.Error)
                    {
                        continue;
                    }

                    if (attribute.MsgType is null && !ContentTypeRules.IsTextShape(content)
                        && attribute.Data.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is { } attributeSyntax)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.TypedHandlerWithoutMsgType,
                            attributeSyntax.GetLocation(),
                            method.Name,
                            content.Name,
                            HandlerNames.DisplayName(attribute.Kind),
                            ContentTypeRules.SuggestMsgType(content)));
                    }

                    if (!HasJsonContext(method.ContainingType)
                        && ContentTypeRules.WhyNotDescribable(content, context.Compilation) is { } reason)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.ContentTypeNotDescribable,
                            ContentTypeLocation(parameter, context),
                            content.ToDisplayString(),
                            reason));
                    }

                    break;
                }
            }
        }

        private static void AnalyzeType(SymbolAnalysisContext context)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            if (HasJsonContext(type))
            {
                return;
            }

            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass is not { Name: "MitiContentAttribute", ContainingNamespace: { Name: "MitiAgent", ContainingNamespace.IsGlobalNamespace: true } }
                    || attribute.ConstructorArguments.Length != 1
                    || attribute.ConstructorArguments[0].Value is not ITypeSymbol content
                    || content.TypeKind == TypeKind.Error)
                {
                    continue;
                }

                string? reason = content is INamedTypeSymbol { IsUnboundGenericType: true }
                    ? "an open generic type"
                    : ContentTypeRules.WhyNotDescribable(content, context.Compilation);
                if (reason is not null && attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax syntax)
                {
                    Location location = syntax.ArgumentList is { Arguments.Count: > 0 } arguments ? arguments.Arguments[0].GetLocation() : syntax.GetLocation();
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.ContentTypeNotDescribable, location, content.ToDisplayString(), reason));
                }
            }
        }

        /// <summary><c>OutgoingContent.Create(msgType, value)</c> (the overload the generator writes metadata for) with a <c>T</c> it cannot describe.</summary>
        private static void AnalyzeCreateCall(OperationAnalysisContext context)
        {
            var invocation = (Microsoft.CodeAnalysis.Operations.IInvocationOperation)context.Operation;
            IMethodSymbol method = invocation.TargetMethod;
            if (method is not { Name: "Create", IsGenericMethod: true, Parameters.Length: 2 }
                || method.ContainingType is not { Name: "OutgoingContent", ContainingNamespace: { Name: "MitiAgent", ContainingNamespace.IsGlobalNamespace: true } }
                || method.TypeArguments[0] is not { } content
                || content.TypeKind == TypeKind.Error
                || HasJsonContext(context.ContainingSymbol?.ContainingType))
            {
                return;
            }

            if (ContentTypeRules.WhyNotDescribable(content, context.Compilation) is { } reason)
            {
                Location location = invocation.Arguments.Length == 2 ? invocation.Arguments[1].Syntax.GetLocation() : invocation.Syntax.GetLocation();
                foreach (Microsoft.CodeAnalysis.Operations.IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Ordinal == 1)
                    {
                        location = argument.Syntax.GetLocation();
                    }
                }

                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ContentTypeNotDescribable, location, content.ToDisplayString(), reason));
            }
        }

        /// <summary>The <c>T</c> of <c>MessageEvent&lt;T&gt;</c> in the parameter's declaration, else the parameter type, else the parameter.</summary>
        private static Location ContentTypeLocation(IParameterSymbol parameter, SymbolAnalysisContext context)
        {
            foreach (SyntaxReference reference in parameter.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken) is ParameterSyntax { Type: { } type })
                {
                    TypeSyntax inner = type is QualifiedNameSyntax qualified ? qualified.Right : type;
                    return inner is GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic
                        ? generic.TypeArgumentList.Arguments[0].GetLocation()
                        : type.GetLocation();
                }
            }

            return parameter.Locations.IsEmpty ? Location.None : parameter.Locations[0];
        }

        private static bool HasJsonContext(INamedTypeSymbol? type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                foreach (AttributeData attribute in current.GetAttributes())
                {
                    if (attribute.AttributeClass is { Name: "MitiJsonContextAttribute", ContainingNamespace: { Name: "MitiAgent", ContainingNamespace.IsGlobalNamespace: true } })
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
