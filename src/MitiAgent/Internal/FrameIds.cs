namespace MitiAgent.Internal;

/// <summary>Makes the agent's own frame ids (spec §6.2: unique per frame).</summary>
internal static class FrameIds
{
    /// <summary>A new id such as <c>aevt-3f2a…</c>.</summary>
    public static string New() => "aevt-" + Guid.NewGuid().ToString("N");
}
