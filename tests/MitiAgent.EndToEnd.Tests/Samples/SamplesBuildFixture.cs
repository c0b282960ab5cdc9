using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Samples;

/// <summary>
/// Builds samples/EchoAgent, samples/StreamingAgent and samples/ChatAgent once (Release) into this run's <see cref="SharedArtifacts"/>
/// folder, which the tests then <c>dotnet run -c Release --no-build</c> from.
/// </summary>
public sealed class SamplesBuildFixture : IAsyncLifetime
{
    public const string EchoProject = "samples/EchoAgent/EchoAgent.csproj";
    public const string StreamingProject = "samples/StreamingAgent/StreamingAgent.csproj";
    public const string ChatProject = "samples/ChatAgent/ChatAgent.csproj";

    private readonly Dictionary<string, (int ExitCode, string Output)> _builds = [];

    public static string ArtifactsPath => SharedArtifacts.Path;

    public async Task InitializeAsync()
    {
        foreach (string project in new[] { EchoProject, StreamingProject, ChatProject })
        {
            _builds[project] = await DotNetCli.RunCommandAsync("build", project, ArtifactsPath, "-c", "Release", "-warnaserror");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Starts the built sample with <c>dotnet run --no-build</c>; fails the test with the build log if the build failed.</summary>
    internal ExternalProcess Run(string project, IReadOnlyDictionary<string, string?> environment, params string[] programArguments)
    {
        var (exitCode, output) = _builds[project];
        Assert.True(exitCode == 0, $"dotnet build {project} failed with {exitCode}:\n{output}");
        return DotNetCli.StartRun(project, ArtifactsPath, "Release", environment, programArguments);
    }

    /// <summary>The build's output (for warning checks).</summary>
    public string BuildOutput(string project) => _builds[project].Output;
}
