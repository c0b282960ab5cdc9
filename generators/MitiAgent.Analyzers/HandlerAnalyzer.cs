using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MitiAgent.Analyzers
{
    /// <summary>
    /// Reports handler declarations the generator cannot wire: non-partial types (MITI0002), invalid signatures
    /// (MITI0003), <c>async void</c> (MITI0004), duplicates (MITI0005) and generic handlers (MITI0006).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class HandlerAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            Descriptors.TypeNotPartial,
            Descriptors.InvalidHandlerSignature,
            Descriptors.AsyncVoidHandler,
            Descriptors.DuplicateHandler,
            Descriptors.GenericHandler);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                KnownTypes types = KnownTypes.Create(start.Compilation);
                if (!types.HasHandlerAttributes)
                {
                    return;
                }

                start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, types), SymbolKind.NamedType);
                start.RegisterOperationAction(operationContext => AnalyzeLocalFunction(operationContext, types), OperationKind.LocalFunction);
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes types)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            CancellationToken cancellationToken = context.CancellationToken;

            var handlers = new List<(IMethodSymbol Method, ImmutableArray<HandlerAttribute> Attributes)>();
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol method)
                {
                    ImmutableArray<HandlerAttribute> attributes = HandlerShape.GetHandlerAttributes(method, types);
                    if (!attributes.IsEmpty)
                    {
                        HandlerShape.Check(method, attributes, types, context.ReportDiagnostic, cancellationToken);
                        handlers.Add((method, attributes));
                    }
                }
            }

            ReportDuplicates(context, handlers);

            if ((handlers.Count > 0 || ContainsHandlers(type.GetTypeMembers(), types))
                && !HandlerShape.IsPartial(type, cancellationToken, out TypeDeclarationSyntax? declaration)
                && declaration is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name));
            }
        }

        private static bool ContainsHandlers(ImmutableArray<INamedTypeSymbol> nestedTypes, KnownTypes types)
        {
            foreach (INamedTypeSymbol nested in nestedTypes)
            {
                foreach (ISymbol member in nested.GetMembers())
                {
                    if (member is IMethodSymbol method && !HandlerShape.GetHandlerAttributes(method, types).IsEmpty)
                    {
                        return true;
                    }
                }

                if (ContainsHandlers(nested.GetTypeMembers(), types))
                {
                    return true;
                }
            }

            return false;
        }

        private static void ReportDuplicates(SymbolAnalysisContext context, List<(IMethodSymbol Method, ImmutableArray<HandlerAttribute> Attributes)> handlers)
        {
            var entries = new List<(HandlerKind Kind, string? MsgType, IMethodSymbol Method, AttributeData Attribute, string Path, int Position)>();
            foreach ((IMethodSymbol method, ImmutableArray<HandlerAttribute> attributes) in handlers)
            {
                foreach (HandlerAttribute attribute in attributes)
                {
                    SyntaxReference? reference = attribute.Data.ApplicationSyntaxReference;
                    if (reference is null)
                    {
                        continue;
                    }

                    entries.Add((attribute.Kind, attribute.MsgType, method, attribute.Data, reference.SyntaxTree.FilePath ?? string.Empty, reference.Span.Start));
                }
            }

            entries.Sort((a, b) =>
            {
                int byPath = string.CompareOrdinal(a.Path, b.Path);
                return byPath != 0 ? byPath : a.Position.CompareTo(b.Position);
            });

            for (int i = 1; i < entries.Count; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (entries[j].Kind == entries[i].Kind && string.Equals(entries[j].MsgType, entries[i].MsgType, StringComparison.Ordinal))
                    {
                        string what = "[" + HandlerAttribute.DisplayName(entries[i].Kind) + "]"
                            + (entries[i].MsgType is null ? string.Empty : " with MsgType \"" + entries[i].MsgType + "\"");
                        Location location = entries[i].Attribute.ApplicationSyntaxReference!.GetSyntax(context.CancellationToken).GetLocation();
                        context.ReportDiagnostic(Diagnostic.Create(
                            Descriptors.DuplicateHandler, location, entries[i].Method.Name, entries[j].Method.Name, what));
                        break;
                    }
                }
            }
        }

        private static void AnalyzeLocalFunction(OperationAnalysisContext context, KnownTypes types)
        {
            var operation = (ILocalFunctionOperation)context.Operation;
            if (!HandlerShape.GetHandlerAttributes(operation.Symbol, types).IsEmpty
                && operation.Syntax is LocalFunctionStatementSyntax syntax)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.InvalidHandlerSignature,
                    syntax.Identifier.GetLocation(),
                    operation.Symbol.Name,
                    "a local function cannot be a handler; make it a method of the class"));
            }
        }
    }
}
