using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

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
                KnownTypes types = KnownTypes.Create(start.Compilation);
                if (!types.HasHandlerAttributes || types.CancellationToken is null)
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

            ImmutableArray<HandlerAttribute> attributes = HandlerShape.GetHandlerAttributes(method, types);
            if (attributes.IsEmpty || !HandlerShape.Check(method, attributes, types, report: null, context.CancellationToken))
            {
                return;
            }

            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (KnownTypes.Is(parameter.Type, types.CancellationToken))
                {
                    return;
                }
            }

            context.ReportDiagnostic(Diagnostic.Create(Descriptors.HandlerCanAcceptCancellationToken, method.Locations[0], method.Name));
        }
    }
}
