using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using MitiAgent.Shared;

namespace MitiAgent.Analyzers
{
    /// <summary>
    /// Suggests (MITI0008, info) a <c>CancellationToken</c> parameter for valid handlers that return <c>Task</c> or
    /// <c>ValueTask</c> and do not take one.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class CancellationTokenAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.HandlerCanAcceptCancellationToken);

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

                start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, types), SymbolKind.Method);
            });
        }

        private static void AnalyzeMethod(SymbolAnalysisContext context, KnownTypes types)
        {
            var method = (IMethodSymbol)context.Symbol;
            if (method.ReturnsVoid || method.Locations.Length == 0)
            {
                return;
            }

            // Only handlers the generator wires (no problem at all) and that do not take a token yet.
            if (HandlerRules.GetHandlerAttributes(method, types).IsEmpty
                || HandlerRules.Classify(method, types, context.CancellationToken).Signature is not { } signature
                || signature.Arguments.Contains(HandlerArgument.CancellationToken))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.HandlerCanAcceptCancellationToken, method.Locations[0], method.Name));
        }
    }
}
