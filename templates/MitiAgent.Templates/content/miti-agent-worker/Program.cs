using Company.MitiAgent1;
using MitiAgent;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// Settings, first match wins: the "Miti" section (appsettings.json, appsettings.{Environment}.json, user secrets,
// environment variables such as Miti__AppId / Miti__AppSecret / Miti__BaseUrl, the command line), then
// MITI_APP_ID / MITI_APP_SECRET / MITI_API_BASE_URL. With no base URL at all the agent connects to PRODUCTION
// (https://www.miti.chat/chat). Keep the secret out of appsettings.json.
var builder = Host.CreateApplicationBuilder(args);

// The agent: a new DI scope and EchoAgent per event (constructor injection works); the host validates the settings
// at start (an invalid or missing setting fails the start naming the key) and drains running handlers on SIGTERM.
builder.Services.AddMitiAgent<EchoAgent>();

// Healthy when connected, Degraded while (re)connecting. In ASP.NET Core expose it with app.MapHealthChecks("/healthz");
// here HealthReporter logs every change of the status.
builder.Services.AddHealthChecks().AddMitiAgent();
builder.Services.AddHostedService<HealthReporter>();

// OpenTelemetry: the SDK's meter and activity source (no message content, no secrets). Exported over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g. http://localhost:4317).
var openTelemetry = builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
    .WithMetrics(metrics => metrics.AddMeter(MitiTelemetry.MeterName))
    .WithTracing(tracing => tracing.AddSource(MitiTelemetry.ActivitySourceName));
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    openTelemetry.UseOtlpExporter();
}

await builder.Build().RunAsync();
