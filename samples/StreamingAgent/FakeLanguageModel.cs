using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Samples.Streaming;

/// <summary>One piece of a model's output: some reasoning or some answer text.</summary>
/// <param name="Answer">The next piece of the answer, or <see langword="null"/>.</param>
/// <param name="Reasoning">The next piece of the reasoning, or <see langword="null"/>.</param>
public readonly record struct ModelChunk(string? Answer, string? Reasoning);

/// <summary>The model could not answer (simulated by prompts that contain "fail").</summary>
public sealed class LanguageModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LanguageModelException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public LanguageModelException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public LanguageModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A stand-in for an LLM client: streams its reasoning, then its answer, word by word with a small delay, the way a
/// real model's streaming API does. Replace it with your model's client; the agent code stays the same.
/// </summary>
public sealed class FakeLanguageModel(TimeProvider timeProvider, TimeSpan wordDelay)
{
    /// <summary>Streams the reasoning and the answer to <paramref name="prompt"/>.</summary>
    /// <param name="prompt">The user's message.</param>
    /// <param name="cancellationToken">Stops the generation (the user pressed stop, or the agent is shutting down).</param>
    /// <returns>The chunks, reasoning first.</returns>
    /// <exception cref="LanguageModelException">The prompt contains "fail" (after a little reasoning).</exception>
    public async IAsyncEnumerable<ModelChunk> StreamAsync(string prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool isStory = prompt.Contains("story", StringComparison.OrdinalIgnoreCase);
        string reasoning = isStory
            ? "The user wants a long story. I will tell it chapter by chapter. "
            : $"The user asks: \"{prompt}\". A short explanation in three steps should do. ";
        foreach (string word in Words(reasoning))
        {
            await Task.Delay(wordDelay, timeProvider, cancellationToken);
            yield return new ModelChunk(null, word);
        }

        if (prompt.Contains("fail", StringComparison.OrdinalIgnoreCase))
        {
            throw new LanguageModelException("The model is unavailable (simulated failure).");
        }

        foreach (string word in Words(isStory ? Story() : Explanation()))
        {
            await Task.Delay(wordDelay, timeProvider, cancellationToken);
            yield return new ModelChunk(word, null);
        }
    }

    private static IEnumerable<string> Words(string text)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static string Explanation() => """
        **Streaming** shows an answer while it is being written:

        1. The agent opens a stream for the run of the user's message.
        2. Every few words it sends a `delta` frame; Miti appends it to the message the user is watching.
        3. At the end one `completed` frame carries the whole answer, and Miti acknowledges it.

        If the user presses *stop*, the run is cancelled and the agent stops writing.
        """;

    private static string Story()
    {
        var story = new StringBuilder();
        for (int chapter = 1; chapter <= 12; chapter++)
        {
            story.Append(CultureInfo.InvariantCulture, $"""
                **Chapter {chapter}.** The little agent woke up, read its messages and answered each one, word by word,
                while the users watched the text grow. Then a new question arrived, and the story went on.

                """);
        }

        return story.ToString();
    }
}
