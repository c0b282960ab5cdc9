using System;
using System.Collections.Immutable;
using System.Net;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MitiAgent.Analyzers
{
    /// <summary>
    /// Reports insecure <c>http://</c> base URLs (MITI0001) and app secrets written as string literals (MITI0007) in
    /// configuration code: <c>MitiAgentOptions.BaseUrl</c>/<c>AppSecret</c> assignments (also in object initializers,
    /// e.g. options created inline for the <c>MitiAgentClient</c> constructor) and
    /// <c>Environment.SetEnvironmentVariable("MITI_API_BASE_URL", ...)</c>.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ConfigurationAnalyzer : DiagnosticAnalyzer
    {
        private const string BaseUrlEnvironmentVariable = "MITI_API_BASE_URL";

        /// <inheritdoc />
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Descriptors.InsecureBaseUrl, Descriptors.HardCodedAppSecret);

        /// <inheritdoc />
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                INamedTypeSymbol? options = start.Compilation.GetTypeByMetadataName("MitiAgent.MitiAgentOptions");
                INamedTypeSymbol? environment = start.Compilation.GetTypeByMetadataName("System.Environment");
                if (options is not null)
                {
                    start.RegisterOperationAction(c => AnalyzeAssignment(c, options), OperationKind.SimpleAssignment);
                }

                if (environment is not null)
                {
                    start.RegisterOperationAction(c => AnalyzeInvocation(c, environment), OperationKind.Invocation);
                }
            });
        }

        private static void AnalyzeAssignment(OperationAnalysisContext context, INamedTypeSymbol options)
        {
            var assignment = (ISimpleAssignmentOperation)context.Operation;
            if (assignment.Target is not IPropertyReferenceOperation target
                || !SymbolEqualityComparer.Default.Equals(target.Property.ContainingType, options))
            {
                return;
            }

            IOperation value = Unwrap(assignment.Value);
            switch (target.Property.Name)
            {
                case "BaseUrl":
                    ReportIfInsecure(context, value);
                    break;
                case "AppSecret":
                    if (value is ILiteralOperation { ConstantValue: { HasValue: true, Value: string secret } } && secret.Length > 0)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(Descriptors.HardCodedAppSecret, value.Syntax.GetLocation()));
                    }

                    break;
            }
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, INamedTypeSymbol environment)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol method = invocation.TargetMethod;
            if (method.Name != "SetEnvironmentVariable"
                || !SymbolEqualityComparer.Default.Equals(method.ContainingType, environment))
            {
                return;
            }

            IOperation? name = null;
            IOperation? value = null;
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                switch (argument.Parameter?.Name)
                {
                    case "variable":
                        name = Unwrap(argument.Value);
                        break;
                    case "value":
                        value = Unwrap(argument.Value);
                        break;
                }
            }

            if (name is { ConstantValue: { HasValue: true, Value: string variable } }
                && string.Equals(variable, BaseUrlEnvironmentVariable, StringComparison.Ordinal)
                && value is not null)
            {
                ReportIfInsecure(context, value);
            }
        }

        private static void ReportIfInsecure(OperationAnalysisContext context, IOperation value)
        {
            if (value.ConstantValue is { HasValue: true, Value: string url } && IsInsecure(url, out string host))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.InsecureBaseUrl, value.Syntax.GetLocation(), url, host));
            }
        }

        private static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation { IsImplicit: true } conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        /// <summary>Whether <paramref name="url"/> is an absolute <c>http</c> URL whose host is not a loopback host (the runtime rule).</summary>
        internal static bool IsInsecure(string url, out string host)
        {
            host = string.Empty;
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri)
                || !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal)
                || string.IsNullOrEmpty(uri.Host))
            {
                return false;
            }

            host = uri.Host;
            return !IsLoopbackHost(uri);
        }

        private static bool IsLoopbackHost(Uri uri)
        {
            switch (uri.HostNameType)
            {
                case UriHostNameType.Dns:
                    return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase);
                case UriHostNameType.IPv4:
                    return IPAddress.TryParse(uri.Host, out IPAddress? v4) && v4.GetAddressBytes()[0] == 127;
                case UriHostNameType.IPv6:
                    return IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? v6) && v6.Equals(IPAddress.IPv6Loopback);
                default:
                    return false;
            }
        }
    }
}
