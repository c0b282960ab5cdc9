using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>
/// A throw-away project in the fixture's temp folder that uses the packed packages like a user's project does:
/// PackageReferences only, the packages folder as an extra NuGet source (next to the machine's configured ones,
/// which serve the dependencies), empty Directory.Build.props/.targets/Packages.props so that no build settings from
/// above the folder apply, and the fixture's own NuGet cache.
/// </summary>
internal sealed class ConsumerProject
{
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private static readonly object WorkspaceGate = new();

    private readonly PackagesFixture _packages;

    private ConsumerProject(PackagesFixture packages, string directory, string name)
    {
        _packages = packages;
        Directory = directory;
        Name = name;
    }

    public string Directory { get; }

    public string Name { get; }

    public string ProjectFile => Path.Combine(Directory, Name + ".csproj");

    /// <summary>Writes the project: <paramref name="packageIds"/> as PackageReferences (fixture version), and Program.cs.</summary>
    public static ConsumerProject Create(PackagesFixture packages, string name, string targetFramework, IEnumerable<string> packageIds, string program)
    {
        var directory = Path.Combine(Workspace(packages), name);
        System.IO.Directory.CreateDirectory(directory);

        var references = string.Join(Environment.NewLine, packageIds.Select(id => $"""    <PackageReference Include="{id}" Version="{packages.Version}" />"""));
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{targetFramework}</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        return new ConsumerProject(packages, directory, name);
    }

    /// <summary>
    /// The folder consumer projects live in (outside the repository, with empty Directory.Build.* files and a
    /// nuget.config adding the packed packages); created on first use.
    /// </summary>
    public static string Workspace(PackagesFixture packages)
    {
        var workspace = Path.Combine(packages.Root, "consumers");
        lock (WorkspaceGate)
        {
            EnsureWorkspace(workspace, packages);
        }

        return workspace;
    }

    /// <summary>A project that already exists in <see cref="Workspace"/> (e.g. created by <c>dotnet new</c>): <paramref name="name"/>/<paramref name="name"/>.csproj.</summary>
    public static ConsumerProject Existing(PackagesFixture packages, string name) =>
        new(packages, Path.Combine(Workspace(packages), name), name);

    /// <summary><c>dotnet test -c Release</c> (restore and build included) with the fixture's NuGet cache.</summary>
    public Task<(int ExitCode, string Output)> TestAsync() => ExternalProcess.RunAsync(
        "dotnet",
        ["test", ProjectFile, "-c", "Release"],
        BuildTimeout,
        Directory,
        _packages.DotnetEnvironment(isolatedNuGetCache: true));

    /// <summary><c>dotnet build -c Release -warnaserror</c> (restore included); returns the exit code and output.</summary>
    public Task<(int ExitCode, string Output)> BuildAsync() => ExternalProcess.RunAsync(
        "dotnet",
        ["build", ProjectFile, "-c", "Release", "-warnaserror"],
        BuildTimeout,
        Directory,
        _packages.DotnetEnvironment(isolatedNuGetCache: true));

    /// <summary>The built assembly's folder for <paramref name="targetFramework"/>.</summary>
    public string OutputFolder(string targetFramework) => Path.Combine(Directory, "bin", "Release", targetFramework);

    private static void EnsureWorkspace(string workspace, PackagesFixture packages)
    {
        if (System.IO.Directory.Exists(workspace))
        {
            return;
        }

        System.IO.Directory.CreateDirectory(workspace);
        foreach (var stub in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(workspace, stub), "<Project />" + Environment.NewLine);
        }

        File.WriteAllText(Path.Combine(workspace, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="mitiagent-packed" value="{packages.PackagesFolder}" />
              </packageSources>
            </configuration>
            """);
    }
}
