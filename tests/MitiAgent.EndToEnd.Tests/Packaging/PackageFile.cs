using System.IO.Compression;
using System.Xml.Linq;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>A .nupkg or .snupkg opened as the zip it is: its content files and its nuspec.</summary>
internal sealed class PackageFile : IDisposable
{
    private readonly ZipArchive _zip;

    public PackageFile(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not produced.");
        _zip = ZipFile.OpenRead(path);
        var nuspec = Assert.Single(_zip.Entries, e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        Nuspec = XDocument.Load(stream);
        Ns = Nuspec.Root!.Name.Namespace;
    }

    public XDocument Nuspec { get; }

    /// <summary>The nuspec's XML namespace (it differs between nuspec schema versions).</summary>
    public XNamespace Ns { get; }

    public XElement Metadata => Nuspec.Root!.Element(Ns + "metadata") ?? throw new InvalidOperationException("nuspec without metadata");

    /// <summary>Every entry except the OPC bookkeeping NuGet adds (_rels, package/, [Content_Types].xml) and the nuspec.</summary>
    public IReadOnlySet<string> ContentFiles => _zip.Entries
        .Select(e => e.FullName)
        .Where(n => !n.StartsWith("_rels/", StringComparison.Ordinal)
                    && !n.StartsWith("package/", StringComparison.Ordinal)
                    && n != "[Content_Types].xml"
                    && !(n.EndsWith(".nuspec", StringComparison.Ordinal) && !n.Contains('/', StringComparison.Ordinal)))
        .ToHashSet(StringComparer.Ordinal);

    public string MetadataValue(string name) => Metadata.Element(Ns + name)?.Value ?? throw new InvalidOperationException($"nuspec without <{name}>");

    public byte[] ReadBytes(string entryName)
    {
        var entry = _zip.GetEntry(entryName) ?? throw new InvalidOperationException($"{entryName} is not in the package");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public string ReadText(string entryName) => System.Text.Encoding.UTF8.GetString(ReadBytes(entryName));

    /// <summary>Dependency ids and versions per target framework group.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Version)>> DependencyGroups() =>
        (Metadata.Element(Ns + "dependencies")?.Elements(Ns + "group") ?? [])
            .ToDictionary(
                g => (string)g.Attribute("targetFramework")!,
                g => (IReadOnlyList<(string, string)>)g.Elements(Ns + "dependency").Select(d => ((string)d.Attribute("id")!, (string)d.Attribute("version")!)).ToList());

    public void Dispose() => _zip.Dispose();
}
