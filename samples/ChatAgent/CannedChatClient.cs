using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Samples.Chat;

/// <summary>
/// A small deterministic <see cref="IChatClient"/> for running offline: it "thinks" out loud about the conversation it
/// was given (reasoning), then streams a canned answer word by word, the way a real model's streaming API does. A
/// message containing "fail" makes it throw after its reasoning, to show a model error.
/// </summary>
public sealed class CannedChatClient(TimeProvider timeProvider, TimeSpan wordDelay) : IChatClient
{
    /// <summary>The name printed at start.</summary>
    public const string ModelName = "canned (offline, deterministic)";

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ChatMessage> conversation = [.. messages];
        ChatMessage question = conversation.LastOrDefault(m => m.Role == ChatRole.User) ?? new ChatMessage(ChatRole.User, string.Empty);
        int earlier = conversation.Count(m => m.Role == ChatRole.User || m.Role == ChatRole.Assistant) - 1;
        int images = question.Contents.Count(c => c is UriContent or DataContent);
        string reasoning = string.Create(
            CultureInfo.InvariantCulture,
            $"The user asks: \"{question.Text}\". I see {earlier} earlier messages and {images} images. A short answer will do. ");
        foreach (string word in Words(reasoning))
        {
            await Task.Delay(wordDelay, timeProvider, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(word)]);
        }

        if (question.Text.Contains("fail", StringComparison.OrdinalIgnoreCase))
        {
            throw new HttpRequestException("The model is unavailable (simulated failure).");
        }

        string answer = "This answer comes from a **canned chat client**: set `OPENAI_API_KEY` (or `OPENAI_BASE_URL` for a "
            + "local server such as Ollama) and the same agent answers with a real model. " + string.Create(
                CultureInfo.InvariantCulture,
                $"It was given {earlier} earlier messages of this conversation and your message. ");
        foreach (string word in Words(answer))
        {
            await Task.Delay(wordDelay, timeProvider, cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, word);
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (char c in text)
        {
            word.Append(c);
            if (c == ' ')
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
