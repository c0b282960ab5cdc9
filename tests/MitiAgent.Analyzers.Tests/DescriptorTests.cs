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
        // The help links derive from the RepositoryUrl every package declares (Directory.Build.props) and point at
        // an anchor that docs/diagnostics.md has (a "## MITI000n" heading).
        string root = RepositoryRoot();
        string repositoryUrl = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Build.props"))
            .Descendants("RepositoryUrl").Single().Value.Trim();
        string[] headings = File.ReadAllLines(Path.Combine(root, "docs", "diagnostics.md"));
        DiagnosticDescriptor[] descriptors = Analyzers.SelectMany(analyzer => analyzer.SupportedDiagnostics).ToArray();
        Assert.Equal(
            ["MITI0001", "MITI0002", "MITI0003", "MITI0004", "MITI0005", "MITI0006", "MITI0007", "MITI0008", "MITI0009", "MITI0010"],
            descriptors.Select(d => d.Id).Order(StringComparer.Ordinal));
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            Assert.StartsWith("MitiAgent.", descriptor.Category, StringComparison.Ordinal);
            Assert.Equal(
                repositoryUrl + "/blob/main/docs/diagnostics.md#" + descriptor.Id.ToLowerInvariant(),
                descriptor.HelpLinkUri);
            Assert.Contains("## " + descriptor.Id, headings);
            Assert.True(descriptor.IsEnabledByDefault);
        }

        Assert.Equal(DiagnosticSeverity.Warning, descriptors.Single(d => d.Id == "MITI0001").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, descriptors.Single(d => d.Id == "MITI0002").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Info, descriptors.Single(d => d.Id == "MITI0008").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, descriptors.Single(d => d.Id == "MITI0009").DefaultSeverity);
        Assert.Equal(DiagnosticSeverity.Error, descriptors.Single(d => d.Id == "MITI0010").DefaultSeverity);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MitiAgent.Generators.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MitiAgent.Generators.sln not found above " + AppContext.BaseDirectory);
    }
}
