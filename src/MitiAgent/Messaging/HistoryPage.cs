using System.Collections;

namespace MitiAgent;

/// <summary>
/// One page of a conversation's history (spec §7): the newest messages, oldest first, and whether older ones exist.
/// It is also the list of its <see cref="Messages"/>, so <c>foreach</c>, <c>Count</c> and the indexer work on it directly.
/// </summary>
public sealed class HistoryPage : IReadOnlyList<HistoryMessage>
{
    /// <summary>Creates a page (for tests and fakes; the SDK builds pages from the server's answer).</summary>
    /// <param name="messages">The messages, oldest first.</param>
    /// <param name="hasMore">Whether older messages exist beyond this page.</param>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> is <see langword="null"/>.</exception>
    public HistoryPage(IReadOnlyList<HistoryMessage> messages, bool hasMore)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Messages = messages;
        HasMore = hasMore;
    }

    /// <summary>The newest messages (at most the requested limit), oldest first.</summary>
    public IReadOnlyList<HistoryMessage> Messages { get; }

    /// <summary>Whether older messages exist beyond this page (the server's <c>has_more</c>).</summary>
    public bool HasMore { get; }

    /// <summary>The number of messages.</summary>
    public int Count => Messages.Count;

    /// <summary>The message at <paramref name="index"/> (0 is the oldest).</summary>
    /// <param name="index">The position.</param>
    /// <returns>The message.</returns>
    public HistoryMessage this[int index] => Messages[index];

    /// <summary>Enumerates the messages, oldest first.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<HistoryMessage> GetEnumerator() => Messages.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The count and <see cref="HasMore"/>; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "HistoryPage { Count = " + Count + ", HasMore = " + (HasMore ? "true" : "false") + " }";
}
