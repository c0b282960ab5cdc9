using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>
/// What <c>dotnet pack</c> produces: the exact file lists, the nuspecs, the assemblies and their symbols. The consumer
/// tests (PackageTests.Consumers.cs) then use these packages the way users do.
/// </summary>
[Collection(ExternalBuildsCollection.Name)]
public sealed partial class PackageTests : IClassFixture<PackagesFixture>
{
    private static readonly string[] RuntimeFrameworks = ["net8.0", "net10.0"];
    private static readonly string[] LibAssemblies = ["MitiAgent", "MitiAgent.Protocol"];
    private static readonly string[] RoslynComponents = ["MitiAgent.Generators", "MitiAgent.Analyzers", "MitiAgent.Generators.CodeFixes"];

    private readonly PackagesFixture _packages;

    public PackageTests(PackagesFixture packages)
    {
        _packages = packages;
    }

    [Fact]
    public void Pack_produces_the_packages_and_their_symbol_packages()
    {
        var produced = Directory.GetFiles(_packages.PackagesFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        var expected = new[]
        {
            $"MitiAgent.{_packages.Version}.nupkg",
            $"MitiAgent.{_packages.Version}.snupkg",
            $"MitiAgent.AI.{_packages.Version}.nupkg",
            $"MitiAgent.AI.{_packages.Version}.snupkg",
            $"MitiAgent.Emulator.{_packages.Version}.nupkg",
            $"MitiAgent.Emulator.{_packages.Version}.snupkg",
            $"MitiAgent.Hosting.{_packages.Version}.nupkg",
            $"MitiAgent.Hosting.{_packages.Version}.snupkg",
            $"MitiAgent.Redis.{_packages.Version}.nupkg",
            $"MitiAgent.Redis.{_packages.Version}.snupkg",
            $"MitiAgent.Templates.{_packages.Version}.nupkg",
        }.Order(StringComparer.Ordinal);
        Assert.Equal(expected, produced);
    }

    /// <summary>
    /// Every package carries the version git gives this commit (MinVer): the same one this test assembly was built
    /// with, a SemVer release for a tagged commit (vX.Y.Z) and a pre-release otherwise.
    /// </summary>
    [Fact]
    public void Packages_and_assemblies_carry_the_version_from_git()
    {
        string informational = typeof(PackageTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
            .Single().InformationalVersion;
        Assert.Equal(informational.Split('+')[0], _packages.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$", _packages.Version);

        using var package = new PackageFile(_packages.MitiAgentPackage);
        Assert.Equal(_packages.Version, package.MetadataValue("version"));
        using var templates = new PackageFile(_packages.TemplatesPackage);
        Assert.Equal(_packages.Version, templates.MetadataValue("version"));
        foreach (var template in new[] { "miti-agent", "miti-agent-worker", "miti-agent-tests" })
        {
            var json = templates.ReadText($"content/{template}/.template.config/template.json");
            Assert.Contains($"\"value\": \"{_packages.Version}\"", json, StringComparison.Ordinal);
            Assert.DoesNotContain("@MITIAGENT_PACKAGE_VERSION@", json, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// <c>dotnet pack</c> of the solution must produce the published packages only: the wire model ships inside
    /// MitiAgent, the Roslyn components inside MitiAgent's analyzers folder, tests and samples nowhere.
    /// </summary>
    [Fact]
    public async Task Only_the_published_projects_of_the_solution_are_packable()
    {
        var solution = await File.ReadAllTextAsync(RepoPaths.Combine("MitiAgent.Generators.sln"));
        var projects = System.Text.RegularExpressions.Regex.Matches(solution, "\"([^\"]+\\.csproj)\"")
            .Select(m => m.Groups[1].Value.Replace('\\', Path.DirectorySeparatorChar))
            .ToList();
        Assert.Contains(projects, p => p.EndsWith("MitiAgent.Protocol.csproj", StringComparison.Ordinal));

        var packable = new List<string>();
        foreach (var project in projects)
        {
            var (exitCode, output) = await ExternalProcess.RunAsync(
                "dotnet",
                ["msbuild", RepoPaths.Combine(project), "-getProperty:IsPackable", "-getProperty:PackageId"],
                TimeSpan.FromMinutes(2),
                RepoPaths.Root,
                _packages.DotnetEnvironment(isolatedNuGetCache: false));
            Assert.True(exitCode == 0, $"evaluating {project} failed:\n{output}");
            using var json = System.Text.Json.JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
            var properties = json.RootElement.GetProperty("Properties");
            if (string.Equals(properties.GetProperty("IsPackable").GetString(), "true", StringComparison.OrdinalIgnoreCase))
            {
                packable.Add(properties.GetProperty("PackageId").GetString()!);
            }
        }

        Assert.Equal(["MitiAgent", "MitiAgent.AI", "MitiAgent.Emulator", "MitiAgent.Hosting", "MitiAgent.Redis", "MitiAgent.Templates"], packable.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MitiAgent_package_holds_the_runtime_and_wire_model_per_framework_and_the_roslyn_components()
    {
        using var package = new PackageFile(_packages.MitiAgentPackage);

        var expected = new List<string> { "README.md" };
        foreach (var tfm in RuntimeFrameworks)
        {
            foreach (var assembly in LibAssemblies)
            {
                expected.Add($"lib/{tfm}/{assembly}.dll");
                expected.Add($"lib/{tfm}/{assembly}.xml");
            }
        }

        expected.AddRange(RoslynComponents.Select(c => $"analyzers/dotnet/cs/{c}.dll"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), package.ContentFiles.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(package.ContentFiles, f => Path.GetFileName(f).StartsWith("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase));

        // XML docs are real documentation files of the assembly next to them.
        foreach (var tfm in RuntimeFrameworks)
        {
            Assert.Contains("<name>MitiAgent</name>", package.ReadText($"lib/{tfm}/MitiAgent.xml"), StringComparison.Ordinal);
            Assert.Contains("<name>MitiAgent.Protocol</name>", package.ReadText($"lib/{tfm}/MitiAgent.Protocol.xml"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MitiAgent_nuspec_has_the_metadata_the_source_commit_and_only_the_logging_dependency()
    {
        using var package = new PackageFile(_packages.MitiAgentPackage);

        Assert.Equal("MitiAgent", package.MetadataValue("id"));
        Assert.Equal(_packages.Version, package.MetadataValue("version"));
        AssertCommonMetadata(package);
        Assert.Contains("miti", package.MetadataValue("tags").Split(' '));
        Assert.Contains("MitiAgentClient", package.MetadataValue("description"), StringComparison.Ordinal);

        var readme = package.ReadText("README.md");
        Assert.StartsWith("# MitiAgent", readme, StringComparison.Ordinal);
        Assert.Contains("dotnet add package MitiAgent", readme, StringComparison.Ordinal);

        var groups = package.DependencyGroups();
        Assert.Equal(RuntimeFrameworks.Order(StringComparer.Ordinal), groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (tfm, dependencies) in groups)
        {
            var dependency = Assert.Single(dependencies);
            Assert.True(dependency.Id == "Microsoft.Extensions.Logging.Abstractions", $"{tfm}: unexpected dependency {dependency.Id}");
            Assert.False(string.IsNullOrEmpty(dependency.Version));
        }
    }

    [Fact]
    public void MitiAgent_assemblies_are_deterministic_for_their_framework_and_match_the_symbol_package()
    {
        using var package = new PackageFile(_packages.MitiAgentPackage);
        using var symbols = new PackageFile(_packages.MitiAgentSymbols);

        var expectedSymbols = RuntimeFrameworks.SelectMany(tfm => LibAssemblies.Select(a => $"lib/{tfm}/{a}.pdb"));
        Assert.Equal(expectedSymbols.Order(StringComparer.Ordinal), symbols.ContentFiles.Order(StringComparer.Ordinal));

        foreach (var tfm in RuntimeFrameworks)
        {
            foreach (var assembly in LibAssemblies)
            {
                var dll = package.ReadBytes($"lib/{tfm}/{assembly}.dll");
                AssertMatchesPortablePdb(dll, symbols.ReadBytes($"lib/{tfm}/{assembly}.pdb"), $"{tfm}/{assembly}");
                Assert.Equal($".NETCoreApp,Version=v{tfm["net".Length..]}", TargetFrameworkOf(dll));
            }
        }
    }

    [Fact]
    public void Roslyn_components_target_netstandard20_and_load_in_compilers_since_roslyn_45_without_the_runtime()
    {
        using var package = new PackageFile(_packages.MitiAgentPackage);
        foreach (var component in RoslynComponents)
        {
            var dll = package.ReadBytes($"analyzers/dotnet/cs/{component}.dll");
            Assert.Equal(".NETStandard,Version=v2.0", TargetFrameworkOf(dll));

            using var pe = new PEReader(new MemoryStream(dll));
            var metadata = pe.GetMetadataReader();
            var references = metadata.AssemblyReferences.Select(h => metadata.GetAssemblyReference(h)).ToDictionary(r => metadata.GetString(r.Name), r => r.Version);

            // The compiler loads them: they must not need a newer Roslyn than the oldest supported compiler has...
            var roslyn = Assert.Contains("Microsoft.CodeAnalysis", (IDictionary<string, Version>)references);
            Assert.True(roslyn <= new Version(4, 5, 0, 0), $"{component} references Microsoft.CodeAnalysis {roslyn}");
            // ...and must not depend on the runtime, which the compiler does not load.
            Assert.DoesNotContain("MitiAgent", references.Keys);
            Assert.DoesNotContain("MitiAgent.Protocol", references.Keys);
        }
    }

    [Fact]
    public void Emulator_package_holds_only_the_emulator_and_depends_on_MitiAgent_and_the_aspnetcore_framework()
    {
        using var package = new PackageFile(_packages.EmulatorPackage);
        Assert.Equal(
            new[] { "README.md", "lib/net10.0/MitiAgent.Emulator.dll", "lib/net10.0/MitiAgent.Emulator.xml" },
            package.ContentFiles.Order(StringComparer.Ordinal));

        Assert.Equal("MitiAgent.Emulator", package.MetadataValue("id"));
        Assert.Equal(_packages.Version, package.MetadataValue("version"));
        AssertCommonMetadata(package);
        Assert.StartsWith("# MitiAgent.Emulator", package.ReadText("README.md"), StringComparison.Ordinal);

        // MitiAgent.Protocol.dll comes with the MitiAgent package (same version), not as a copy or a package of its own;
        // Markdig renders agents' markdown for the chat page (HTML disabled).
        var group = Assert.Single(package.DependencyGroups());
        Assert.Equal("net10.0", group.Key);
        Assert.Equal([("Markdig", "1.6.0"), ("MitiAgent", _packages.Version)], group.Value.Order());

        var frameworkGroup = Assert.Single(package.Metadata.Element(package.Ns + "frameworkReferences")!.Elements(package.Ns + "group"));
        Assert.Equal("net10.0", (string?)frameworkGroup.Attribute("targetFramework"));
        Assert.Equal(["Microsoft.AspNetCore.App"], frameworkGroup.Elements(package.Ns + "frameworkReference").Select(f => (string?)f.Attribute("name")));

        using var symbols = new PackageFile(_packages.EmulatorSymbols);
        Assert.Equal(["lib/net10.0/MitiAgent.Emulator.pdb"], symbols.ContentFiles);
        var dll = package.ReadBytes("lib/net10.0/MitiAgent.Emulator.dll");
        AssertMatchesPortablePdb(dll, symbols.ReadBytes("lib/net10.0/MitiAgent.Emulator.pdb"), "MitiAgent.Emulator");
        Assert.Equal(".NETCoreApp,Version=v10.0", TargetFrameworkOf(dll));
    }

    [Fact]
    public void Hosting_package_holds_the_hosting_library_per_framework_and_depends_on_MitiAgent_with_its_generator()
    {
        using var package = AssertLibraryPackage(_packages.HostingPackage, "MitiAgent.Hosting", ["MitiAgent", "Microsoft.Extensions.*"]);

        // The MitiAgent dependency keeps its analyzers: an app that references only MitiAgent.Hosting gets the generator.
        var mitiAgent = package.Metadata.Descendants(package.Ns + "dependency").Where(d => (string?)d.Attribute("id") == "MitiAgent").ToList();
        Assert.Equal(2, mitiAgent.Count);
        Assert.All(mitiAgent, d => Assert.Null(d.Attribute("exclude")));
    }

    [Fact]
    public void AI_package_holds_the_library_per_framework_and_depends_on_MitiAgent_Hosting_and_the_AI_abstractions_only()
    {
        using var package = AssertLibraryPackage(_packages.AIPackage, "MitiAgent.AI", ["MitiAgent.Hosting", "Microsoft.Extensions.AI.Abstractions"]);
    }

    [Fact]
    public void Redis_package_holds_the_library_per_framework_and_depends_on_MitiAgent_Hosting_and_StackExchange_Redis_only()
    {
        using var package = AssertLibraryPackage(_packages.RedisPackage, "MitiAgent.Redis", ["MitiAgent.Hosting", "StackExchange.Redis"]);
    }

    /// <summary>
    /// A library package built for <see cref="RuntimeFrameworks"/>: exactly its README and lib/&lt;tfm&gt;/&lt;id&gt;.dll
    /// and .xml, its id, this version, the common metadata, a README titled with the id, and one dependency group per
    /// framework holding only <paramref name="allowedDependencies"/>. A plain id is required in every group (one of ours
    /// at exactly this version); "Prefix.*" allows any number of packages with that prefix.
    /// </summary>
    /// <returns>The package, opened, for checks of its own.</returns>
    private PackageFile AssertLibraryPackage(string path, string id, string[] allowedDependencies)
    {
        var package = new PackageFile(path);
        var expectedFiles = RuntimeFrameworks.SelectMany(tfm => new[] { $"lib/{tfm}/{id}.dll", $"lib/{tfm}/{id}.xml" }).Append("README.md");
        Assert.Equal(expectedFiles.Order(StringComparer.Ordinal), package.ContentFiles.Order(StringComparer.Ordinal));
        Assert.Equal(id, package.MetadataValue("id"));
        Assert.Equal(_packages.Version, package.MetadataValue("version"));
        AssertCommonMetadata(package);
        Assert.StartsWith("# " + id, package.ReadText("README.md"), StringComparison.Ordinal);

        string[] required = allowedDependencies.Where(d => !d.EndsWith(".*", StringComparison.Ordinal)).ToArray();
        string[] prefixes = allowedDependencies.Where(d => d.EndsWith(".*", StringComparison.Ordinal)).Select(d => d[..^1]).ToArray();
        var groups = package.DependencyGroups();
        Assert.Equal(RuntimeFrameworks.Order(StringComparer.Ordinal), groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (framework, dependencies) in groups)
        {
            foreach (string dependency in required)
            {
                Assert.Contains(dependencies, d => d.Id == dependency);
                if (dependency.StartsWith("MitiAgent", StringComparison.Ordinal))
                {
                    Assert.Contains((dependency, _packages.Version), dependencies);
                }
            }

            Assert.All(dependencies, d => Assert.True(required.Contains(d.Id) || prefixes.Any(p => d.Id.StartsWith(p, StringComparison.Ordinal)), $"{framework}: unexpected dependency {d.Id}"));
        }

        return package;
    }

    /// <summary>License, readme, project URL and the source repository with the exact commit that was packed.</summary>
    private void AssertCommonMetadata(PackageFile package)
    {
        var license = package.Metadata.Element(package.Ns + "license");
        Assert.NotNull(license);
        Assert.Equal("expression", (string?)license.Attribute("type"));
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", package.MetadataValue("readme"));
        Assert.Equal(_packages.RepositoryUrl, package.MetadataValue("projectUrl"));
        Assert.False(string.IsNullOrWhiteSpace(package.MetadataValue("description")));
        Assert.False(string.IsNullOrWhiteSpace(package.MetadataValue("authors")));

        var repository = package.Metadata.Element(package.Ns + "repository");
        Assert.NotNull(repository);
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.Equal(_packages.RepositoryUrl, (string?)repository.Attribute("url"));
        Assert.Equal(_packages.CommitAtPack[package.MetadataValue("id")], (string?)repository.Attribute("commit"));
    }

    /// <summary>
    /// The dll was built deterministically (a Reproducible debug directory entry) and its CodeView entry names the
    /// given portable PDB (same id), so debuggers and symbol servers find the symbols of exactly this build.
    /// </summary>
    private static void AssertMatchesPortablePdb(byte[] dll, byte[] pdb, string what)
    {
        using var pe = new PEReader(new MemoryStream(dll));
        var debugDirectory = pe.ReadDebugDirectory();
        Assert.True(debugDirectory.Any(e => e.Type == DebugDirectoryEntryType.Reproducible), $"{what} was not built deterministically");
        var codeView = pe.ReadCodeViewDebugDirectoryData(Assert.Single(debugDirectory, e => e.Type == DebugDirectoryEntryType.CodeView));
        Assert.False(debugDirectory.Any(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb), $"{what} embeds its PDB; the symbols belong in the .snupkg");

        using var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(pdb));
        var pdbId = provider.GetMetadataReader().DebugMetadataHeader!.Id;
        Assert.Equal(codeView.Guid, new Guid(pdbId.AsSpan(0, 16)));
    }

    /// <summary>The assembly's [TargetFramework] value, e.g. ".NETCoreApp,Version=v8.0".</summary>
    private static string? TargetFrameworkOf(byte[] dll)
    {
        using var pe = new PEReader(new MemoryStream(dll));
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var constructor = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (constructor.Parent.Kind != HandleKind.TypeReference
                || metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)constructor.Parent).Name) != "TargetFrameworkAttribute")
            {
                continue;
            }

            var value = metadata.GetBlobReader(attribute.Value);
            Assert.Equal(1, value.ReadUInt16()); // custom attribute blob prolog
            return value.ReadSerializedString();
        }

        return null;
    }
}
