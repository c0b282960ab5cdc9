using System.Diagnostics;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Aot;

/// <summary>
/// Publishes samples/AotAgent once as a Native AOT binary with the README's command (Release, linux-x64,
/// <c>-p:PublishAot=true</c>, one warning per call site, warnings as errors), into a temporary folder.
/// </summary>
public sealed class AotPublishFixture : IAsyncLifetime
{
    public const string Project = "samples/AotAgent/AotAgent.csproj";

    private readonly string _root = RepoPaths.NewTempFolder("aot");

    public string PublishFolder => Path.Combine(_root, "publish");

    /// <summary>The native executable.</summary>
    public string Binary => Path.Combine(PublishFolder, "AotAgent");

    public int ExitCode { get; private set; } = -1;

    public string Output { get; private set; } = string.Empty;

    public TimeSpan Duration { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        (ExitCode, Output) = await DotNetCli.RunCommandAsync(
            "publish",
            Project,
            SharedArtifacts.Path,
            "-c", "Release",
            "-r", "linux-x64",
            // A global property: it reaches every referenced project, so the netstandard2.0 generator projects
            // declare TreatAsLocalProperty="PublishAot" (otherwise their restore fails with NETSDK1207).
            "-p:PublishAot=true",
            "-p:TrimmerSingleWarn=false",
            "-warnaserror",
            "-o", PublishFolder);
        Duration = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        DotNetCli.DeleteQuietly(_root);
        return Task.CompletedTask;
    }

    /// <summary>Fails the test with the publish log unless the publish succeeded.</summary>
    public void AssertPublished() => Assert.True(ExitCode == 0, $"dotnet publish {Project} failed with {ExitCode}:\n{Output}");
}
