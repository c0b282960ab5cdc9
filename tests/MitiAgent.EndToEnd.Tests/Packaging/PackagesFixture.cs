using System.Xml.Linq;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>
/// Packs <c>MitiAgent</c>, <c>MitiAgent.Emulator</c>, <c>MitiAgent.Hosting</c>, <c>MitiAgent.AI</c> and <c>MitiAgent.Templates</c> once per
/// test run (Release, <c>-warnaserror</c>) into a temp folder outside the repository, the way a user or a release job
/// would: <c>dotnet pack src/MitiAgent/MitiAgent.csproj</c>. Every test class that uses this fixture (the package and
/// the template tests) shares that one pack; the collection fixture <see cref="SharedArtifactsCleanup"/> deletes it.
/// <c>--artifacts-path</c> puts every bin/obj of that build in the temp folder, so the repository's own build outputs
/// (in use while the suite runs) are neither written nor reused. Consumer projects restore from
/// <see cref="PackagesFolder"/> into their own NuGet cache (<see cref="NuGetCacheFolder"/>), so no MitiAgent build
/// from an earlier run can be served from the machine's global NuGet cache. The version is git's (MinVer), read
/// from the packed file names.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    /// <summary>Generous: a cold Release build of five projects (two target frameworks) on a loaded 2-core machine.</summary>
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The packable projects, packed in this order.</summary>
    public static readonly (string PackageId, string Project)[] PackedProjects =
    [
        ("MitiAgent", "src/MitiAgent/MitiAgent.csproj"),
        ("MitiAgent.Emulator", "src/MitiAgent.Emulator/MitiAgent.Emulator.csproj"),
        ("MitiAgent.Hosting", "src/MitiAgent.Hosting/MitiAgent.Hosting.csproj"),
        ("MitiAgent.AI", "src/MitiAgent.AI/MitiAgent.AI.csproj"),
        ("MitiAgent.Redis", "src/MitiAgent.Redis/MitiAgent.Redis.csproj"),
        ("MitiAgent.Templates", "templates/MitiAgent.Templates/MitiAgent.Templates.csproj"),
    ];

    private static readonly Lazy<string> SharedRoot = new(() => RepoPaths.NewTempFolder("packaging"));
    private static readonly SemaphoreSlim PackGate = new(1, 1);
    private static readonly Dictionary<string, string> SharedCommitAtPack = new(StringComparer.Ordinal);
    private static string? s_version;

    public PackagesFixture()
    {
        Root = SharedRoot.Value;
        PackagesFolder = Path.Combine(Root, "packages");
        NuGetCacheFolder = Path.Combine(Root, "nuget-cache");
        ArtifactsFolder = Path.Combine(Root, "artifacts");
        RepositoryUrl = ReadRepoProperty("Directory.Build.props", "RepositoryUrl");
    }

    /// <summary>The temp folder holding packages, build artifacts, the NuGet cache and the consumer projects.</summary>
    public string Root { get; }

    public string PackagesFolder { get; }

    public string NuGetCacheFolder { get; }

    public string ArtifactsFolder { get; }

    /// <summary>The version every package got from git (MinVer), e.g. <c>0.1.0-alpha.0.31</c>.</summary>
    public string Version => s_version ?? throw new InvalidOperationException("The packages are not packed yet.");

    /// <summary><c>RepositoryUrl</c> in Directory.Build.props.</summary>
    public string RepositoryUrl { get; }

    /// <summary>Package id → <c>git rev-parse HEAD</c> of the repository right before that package was packed.</summary>
    public IReadOnlyDictionary<string, string> CommitAtPack => SharedCommitAtPack;

    public string MitiAgentPackage => Path.Combine(PackagesFolder, $"MitiAgent.{Version}.nupkg");

    public string MitiAgentSymbols => Path.Combine(PackagesFolder, $"MitiAgent.{Version}.snupkg");

    public string EmulatorPackage => Path.Combine(PackagesFolder, $"MitiAgent.Emulator.{Version}.nupkg");

    public string EmulatorSymbols => Path.Combine(PackagesFolder, $"MitiAgent.Emulator.{Version}.snupkg");

    public string HostingPackage => Path.Combine(PackagesFolder, $"MitiAgent.Hosting.{Version}.nupkg");

    public string AIPackage => Path.Combine(PackagesFolder, $"MitiAgent.AI.{Version}.nupkg");

    public string RedisPackage => Path.Combine(PackagesFolder, $"MitiAgent.Redis.{Version}.nupkg");

    public string TemplatesPackage => Path.Combine(PackagesFolder, $"MitiAgent.Templates.{Version}.nupkg");

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

        await PackGate.WaitAsync();
        try
        {
            if (s_version is null)
            {
                await PackAllAsync();
            }
        }
        finally
        {
            PackGate.Release();
        }
    }

    /// <summary>Nothing per class: the one pack is shared; <see cref="DeleteIfCreated"/> removes it at the end.</summary>
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Deletes the shared packaging folder if a test created it (called by <see cref="SharedArtifactsCleanup"/>).</summary>
    public static void DeleteIfCreated()
    {
        if (SharedRoot.IsValueCreated)
        {
            DotNetCli.DeleteQuietly(SharedRoot.Value);
        }
    }

    private async Task PackAllAsync()
    {
        foreach (var (packageId, project) in PackedProjects)
        {
            var (gitExit, gitOutput) = await ExternalProcess.RunAsync("git", ["rev-parse", "HEAD"], TimeSpan.FromSeconds(30), RepoPaths.Root);
            Assert.True(gitExit == 0, "git rev-parse HEAD failed:\n" + gitOutput);
            SharedCommitAtPack[packageId] = gitOutput.Trim();

            var (exitCode, packOutput) = await ExternalProcess.RunAsync(
                "dotnet",
                ["pack", RepoPaths.Combine(project), "-c", "Release", "-o", PackagesFolder, "--artifacts-path", ArtifactsFolder, "-warnaserror"],
                PackTimeout,
                RepoPaths.Root,
                DotnetEnvironment(isolatedNuGetCache: false));
            Assert.True(exitCode == 0, $"dotnet pack {project} exited with {exitCode}:\n{packOutput}");
        }

        // MitiAgent.<version>.nupkg: the version starts with a digit (MitiAgent.Emulator.… does not).
        var versions = Directory.GetFiles(PackagesFolder, "MitiAgent.*.nupkg")
            .Select(Path.GetFileName)
            .Select(name => System.Text.RegularExpressions.Regex.Match(name!, @"^MitiAgent\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\.nupkg$"))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToArray();
        s_version = Assert.Single(versions);

        // One commit, one version: a commit made while the packs ran would split them.
        foreach (var (packageId, _) in PackedProjects)
        {
            Assert.True(File.Exists(Path.Combine(PackagesFolder, $"{packageId}.{s_version}.nupkg")), $"{packageId} was not packed as {s_version} (was HEAD moved during the packs?)");
        }
    }

    private static string ReadRepoProperty(string file, string name)
    {
        var value = XDocument.Load(RepoPaths.Combine(file)).Descendants(name).Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
        return value ?? throw new InvalidOperationException($"{file} sets no {name}.");
    }
}
