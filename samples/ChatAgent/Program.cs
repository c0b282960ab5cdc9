using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using Samples.Chat;
using Samples.Shared;

// dotnet run --project samples/ChatAgent
//   OPENAI_API_KEY (and optionally OPENAI_BASE_URL / OPENAI_MODEL): answers with that OpenAI(-compatible) model;
//   OPENAI_BASE_URL alone (e.g. http://localhost:11434/v1 for Ollama): a local server that needs no key;
//   neither: a built-in deterministic chat client, so the sample runs offline.
//   no MITI_APP_ID / MITI_APP_SECRET: runs against a Miti emulator embedded in this process, with a short demo.
string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
string? baseUrl = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
IChatClient chatClient;
if (!string.IsNullOrWhiteSpace(apiKey) || !string.IsNullOrWhiteSpace(baseUrl))
{
    string model = Environment.GetEnvironmentVariable("OPENAI_MODEL") is { Length: > 0 } m ? m : "gpt-4o-mini";
    var clientOptions = new OpenAIClientOptions();
    if (!string.IsNullOrWhiteSpace(baseUrl))
    {
        clientOptions.Endpoint = new Uri(baseUrl);
    }

    // A local OpenAI-compatible server (Ollama, llama.cpp, vLLM) ignores the key, but the client wants one.
    chatClient = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrWhiteSpace(apiKey) ? "no-key" : apiKey), clientOptions).AsIChatClient();
    ChatLog.Print("model: " + model + (string.IsNullOrWhiteSpace(baseUrl) ? " (OpenAI)" : " at " + baseUrl));
}
else
{
    chatClient = new CannedChatClient(TimeProvider.System, wordDelay: TimeSpan.FromMilliseconds(20));
    ChatLog.Print("model: " + CannedChatClient.ModelName + "; set OPENAI_API_KEY or OPENAI_BASE_URL for a real one");
}

return await SampleHost.RunAsync(args, new SampleDefinition
{
    Name = "ChatAgent",
    Agent = new ChatAgent(chatClient, systemPrompt: "You are ChatAgent, a concise and friendly assistant on Miti."),
    ExampleText = "What can you do?",
    StreamsAnswers = true,
    Demo = async (chat, ct) =>
    {
        // Two questions in one conversation: the second is asked with the first question and answer as history.
        await chat.StreamedAnswerAsync("u_alice", "Alice", "What is Miti?", ct);
        await chat.StreamedAnswerAsync("u_alice", "Alice", "And what can you do?", ct);

        // A model error ends the run with a failed answer (code model_error).
        await chat.StreamedAnswerAsync("u_bob", "Bob", "please fail", ct);
    },
});
