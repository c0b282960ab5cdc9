using System.Xml.Linq;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>
/// Packs <c>MitiAgent</c>, <c>MitiAgent.Emulator</c> and <c>MitiAgent.Hosting</c> once (Release, <c>-warnaserror</c>) into a temp folder outside
/// the repository, the way a user or a release job would: <c>dotnet pack src/MitiAgent/MitiAgent.csproj</c>.
/// <c>--artifacts-path</c> puts every bin/obj of that build in the temp folder, so the repository's own build outputs
/// (in use while the suite runs) are neither written nor reused. Consumer projects restore from
/// <see cref="PackagesFolder"/> into their own NuGet cache (<see cref="NuGetCacheFolder"/>), so no MitiAgent build
/// from an earlier run can be served from the machine's global NuGet cache.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    /// <summary>Generous: a cold Release build of five projects (two target frameworks) on a loaded 2-core machine.</summary>
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, string> _commitAtPack = new(StringComparer.Ordinal);

    public PackagesFixture()
    {
        Root = RepoPaths.NewTempFolder("packaging");
        PackagesFolder = Path.Combine(Root, "packages");
        NuGetCacheFolder = Path.Combine(Root, "nuget-cache");
        ArtifactsFolder = Path.Combine(Root, "artifacts");
        Version = ReadRepoProperty("Directory.Build.props", "Version");
        RepositoryUrl = ReadRepoProperty("Directory.Build.props", "RepositoryUrl");
    }

    /// <summary>The temp folder holding packages, build artifacts, the NuGet cache and the consumer projects.</summary>
    public string Root { get; }

    public string PackagesFolder { get; }

    public string NuGetCacheFolder { get; }

    public string ArtifactsFolder { get; }

    /// <summary>The version every package gets (<c>Version</c> in Directory.Build.props).</summary>
    public string Version { get; }

    /// <summary><c>RepositoryUrl</c> in Directory.Build.props.</summary>
    public string RepositoryUrl { get; }

    /// <summary>Package id → <c>git rev-parse HEAD</c> of the repository right before that package was packed.</summary>
    public IReadOnlyDictionary<string, string> CommitAtPack => _commitAtPack;

    public string MitiAgentPackage => Path.Combine(PackagesFolder, $"MitiAgent.{Version}.nupkg");

    public string MitiAgentSymbols => Path.Combine(PackagesFolder, $"MitiAgent.{Version}.snupkg");

    public string EmulatorPackage => Path.Combine(PackagesFolder, $"MitiAgent.Emulator.{Version}.nupkg");

    public string EmulatorSymbols => Path.Combine(PackagesFolder, $"MitiAgent.Emulator.{Version}.snupkg");

    public string HostingPackage => Path.Combine(PackagesFolder, $"MitiAgent.Hosting.{Version}.nupkg");

    /// <summary>
    /// Environment for child dotnet processes: no MSBuild node, build server or compiler server outlives its command
    /// (a surviving child would hold the redirected output open), and consumer restores use the fixture's cache.
    /// </summary>
    public IReadOnlyDictionary<string, string?> DotnetEnvironment(bool isolatedNuGetCache)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
        };
        if (isolatedNuGetCache)
        {
            environment["NUGET_PACKAGES"] = NuGetCacheFolder;
        }

        return environment;
    }

    public async Task InitializeAsync()
    {
        Assert.False(
            Path.GetFullPath(Root).StartsWith(Path.GetFullPath(RepoPaths.Root) + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            $"The packaging workspace {Root} must lie outside the repository, so its Directory.Build.props cannot apply.");

        foreach (var (packageId, project) in new[] { ("MitiAgent", "src/MitiAgent/MitiAgent.csproj"), ("MitiAgent.Emulator", "src/MitiAgent.Emulator/MitiAgent.Emulator.csproj"), ("MitiAgent.Hosting", "src/MitiAgent.Hosting/MitiAgent.Hosting.csproj") })
        {
            var (gitExit, gitOutput) = await ExternalProcess.RunAsync("git", ["rev-parse", "HEAD"], TimeSpan.FromSeconds(30), RepoPaths.Root);
            Assert.True(gitExit == 0, "git rev-parse HEAD failed:\n" + gitOutput);
            _commitAtPack[packageId] = gitOutput.Trim();

            var (exitCode, packOutput) = await ExternalProcess.RunAsync(
                "dotnet",
                ["pack", RepoPaths.Combine(project), "-c", "Release", "-o", PackagesFolder, "--artifacts-path", ArtifactsFolder, "-warnaserror"],
                PackTimeout,
                RepoPaths.Root,
                DotnetEnvironment(isolatedNuGetCache: false));
            Assert.True(exitCode == 0, $"dotnet pack {project} exited with {exitCode}:\n{packOutput}");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a process that is being torn down: the temp folder is left for the OS to clean.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    private static string ReadRepoProperty(string file, string name)
    {
        var value = XDocument.Load(RepoPaths.Combine(file)).Descendants(name).Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
        return value ?? throw new InvalidOperationException($"{file} sets no {name}.");
    }
}
