namespace MitiAgent.EndToEnd.Tests.TestSupport;

/// <summary>
/// Tests that run <c>dotnet build/publish/pack/run</c> share both CPU cores (and, for some, <see cref="SharedArtifacts"/>),
/// so they run one after another (and not beside each other's builds).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExternalBuildsCollection : ICollectionFixture<SharedArtifactsCleanup>
{
    public const string Name = "external builds";
}
