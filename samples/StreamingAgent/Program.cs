using Samples.Shared;
using Samples.Streaming;

// dotnet run --project samples/StreamingAgent
//   no MITI_APP_ID / MITI_APP_SECRET: runs against a Miti emulator embedded in this process, with a short demo;
//   with them (and optionally MITI_API_BASE_URL): connects to that Miti server.
return await SampleHost.RunAsync(args, new SampleDefinition
{
    Name = "StreamingAgent",
    Agent = new StreamingAgent(new FakeLanguageModel(TimeProvider.System, wordDelay: TimeSpan.FromMilliseconds(30))),
    ExampleText = "tell me a story",
    StreamsAnswers = true,
    // Deliberately small so that the overload handler is easy to see: with two answers streaming, a third message
    // gets the "busy" reply. Real agents keep the default (64).
    Configure = options => { options.MaxConcurrency = 2; options.HandlerQueueCapacity = 0; },
    Demo = async (chat, ct) =>
    {
        // A streamed answer, start to finish.
        await chat.StreamedAnswerAsync("u_alice", "Alice", "What is streaming?", ct);

        // Three long answers asked for at once: two take the handler slots, the overload handler answers the rest ...
        var asked = new[]
        {
            chat.Send("u_bob", "Bob", "Tell me a long story"),
            chat.Send("u_carol", "Carol", "Tell me a story about cats"),
            chat.Send("u_dave", "Dave", "Another story, please"),
        };
        bool[] streaming = await Task.WhenAll(asked.Select(m => chat.StreamStartedAsync(m, ct)));

        // ... and the users who got a story press stop.
        foreach (var (message, started) in asked.Zip(streaming))
        {
            if (started)
            {
                chat.Cancel(message);
            }
        }

        // Every answer (stopped or "busy") printed before the demo says it is done.
        await Task.WhenAll(asked.Select(m => chat.AnswerLoggedAsync(m, ct)));
    },
});
