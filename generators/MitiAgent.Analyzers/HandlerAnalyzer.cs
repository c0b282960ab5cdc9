using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using MitiAgent.Shared;

namespace MitiAgent.Analyzers
{
    /// <summary>
    /// Reports handler declarations the generator cannot wire, from the rules it applies (<see cref="HandlerRules"/>):
    /// non-partial types (MITI0002), invalid signatures (MITI0003), <c>async void</c> (MITI0004), duplicates (MITI0005),
    /// generic handlers (MITI0006), classes that already implement <c>IMitiAgentHandler</c> (MITI0009) and attribute
    /// arguments other than <c>MsgType</c> (MITI0010).
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
            Descriptors.GenericHandler,
            Descriptors.HandlerInterfaceAlreadyImplemented,
            Descriptors.UnsupportedHandlerAttributeArgument);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                KnownTypes types = KnownTypes.For(start.Compilation);
                if (!types.HasHandlerAttributes || !types.IsComplete)
                {
                    return;
                }

                start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, types), SymbolKind.NamedType);
                start.RegisterOperationAction(operationContext => AnalyzeLocalFunction(operationContext, types), OperationKind.LocalFunction);
            });
        }

        /// <summary>The diagnostic for <paramref name="problem"/>, or <see langword="null"/> when the compiler already reports it.</summary>
        internal static Diagnostic? ToDiagnostic(HandlerProblem problem)
        {
            DiagnosticDescriptor? descriptor = problem.Rule switch
            {
                HandlerRule.TypeNotPartial => Descriptors.TypeNotPartial,
                HandlerRule.InvalidSignature => Descriptors.InvalidHandlerSignature,
                HandlerRule.AsyncVoid => Descriptors.AsyncVoidHandler,
                HandlerRule.Generic => Descriptors.GenericHandler,
                HandlerRule.AlreadyImplementsHandler => Descriptors.HandlerInterfaceAlreadyImplemented,
                HandlerRule.UnsupportedAttributeArgument => Descriptors.UnsupportedHandlerAttributeArgument,
                _ => null,
            };
            return descriptor is null ? null : Diagnostic.Create(descriptor, problem.Location, problem.Arguments);
        }

        private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes types)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            CancellationToken cancellationToken = context.CancellationToken;

            var handlers = new List<(IMethodSymbol Method, ImmutableArray<HandlerAttributeInfo> Attributes)>();
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol method && !HandlerRules.GetHandlerAttributes(method, types).IsEmpty)
                {
                    HandlerClassification classification = HandlerRules.Classify(method, types, cancellationToken);
                    foreach (HandlerProblem problem in classification.Problems)
                    {
                        // Problems of the class and its containing types are reported once, below, by each type.
                        if (!problem.IsTypeLevel)
                        {
                            Report(context, problem);
                        }
                    }

                    handlers.Add((method, classification.Attributes));
                }
            }

            ReportDuplicates(context, handlers);

            bool isAgent = handlers.Count > 0;
            if (isAgent || ContainsHandlers(type.GetTypeMembers(), types))
            {
                foreach (HandlerProblem problem in HandlerRules.TypeProblems(type, isAgent, types, cancellationToken))
                {
                    Report(context, problem);
                }
            }
        }

        private static void Report(SymbolAnalysisContext context, HandlerProblem problem)
        {
            if (ToDiagnostic(problem) is { } diagnostic)
            {
                context.ReportDiagnostic(diagnostic);
            }
        }

        private static bool ContainsHandlers(ImmutableArray<INamedTypeSymbol> nestedTypes, KnownTypes types)
        {
            foreach (INamedTypeSymbol nested in nestedTypes)
            {
                foreach (ISymbol member in nested.GetMembers())
                {
                    if (member is IMethodSymbol method && !HandlerRules.GetHandlerAttributes(method, types).IsEmpty)
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

        private static void ReportDuplicates(SymbolAnalysisContext context, List<(IMethodSymbol Method, ImmutableArray<HandlerAttributeInfo> Attributes)> handlers)
        {
            var entries = new List<(HandlerKind Kind, string? MsgType, IMethodSymbol Method, AttributeData Attribute, string Path, int Position)>();
            foreach ((IMethodSymbol method, ImmutableArray<HandlerAttributeInfo> attributes) in handlers)
            {
                foreach (HandlerAttributeInfo attribute in attributes)
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
                        string what = "[" + HandlerNames.DisplayName(entries[i].Kind) + "]"
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
            if (HandlerRules.GetHandlerAttributes(operation.Symbol, types).IsEmpty)
            {
                return;
            }

            foreach (HandlerProblem problem in HandlerRules.Classify(operation.Symbol, types, context.CancellationToken).Problems)
            {
                if (ToDiagnostic(problem) is { } diagnostic)
                {
                    context.ReportDiagnostic(diagnostic);
                }
            }
        }
    }
}
