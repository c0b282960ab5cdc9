using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MitiAgent.Analyzers.Tests;

public sealed class DescriptorTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers =
    [
        new ConfigurationAnalyzer(),
        new HandlerAnalyzer(),
        new CancellationTokenAnalyzer(),
    ];

    [Fact]
    public void EveryRule_HasIdCategoryHelpLinkAndIsTrackedInReleases()
    {
        DiagnosticDescriptor[] descriptors = Analyzers.SelectMany(analyzer => analyzer.SupportedDiagnostics).ToArray();
        Assert.Equal(
            ["MITI0001", "MITI0002", "MITI0003", "MITI0004", "MITI0005", "MITI0006", "MITI0007", "MITI0008"],
            descriptors.Select(d => d.Id).Order(StringComparer.Ordinal));
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            Assert.StartsWith("MitiAgent.", descriptor.Category, StringComparison.Ordinal);
            Assert.Equal(
                "https://github.com/miti-im/miti-agent-dotnet/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(),
                descriptor.HelpLinkUri);
            Assert.True(descriptor.IsEnabledByDefault);
        }

        Assert.Equal(DiagnosticSeverity.Warning, descriptors.Single(d => d.Id == "MITI0001").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, descriptors.Single(d => d.Id == "MITI0002").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Info, descriptors.Single(d => d.Id == "MITI0008").DefaultSeverity);
    }
}
