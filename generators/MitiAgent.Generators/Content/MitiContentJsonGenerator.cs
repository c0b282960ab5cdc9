using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace MitiAgent.Generators
{
    /// <summary>Everything one assembly's content resolver holds: the types (ordinal order) and the user contexts to register.</summary>
    internal sealed record ContentFileModel(EquatableArray<ContentTypeModel> Types, EquatableArray<string> Contexts);

    /// <summary>Names of the content generator's tracked pipeline steps.</summary>
    public static class ContentTrackingNames
    {
        /// <summary>The content graph of each typed <c>[OnMessage]</c> / <c>[OnGroupAt]</c> handler.</summary>
        public const string HandlerContent = "HandlerContent";

        /// <summary>The graphs of <c>[MitiContent(typeof(T))]</c> on agent classes.</summary>
        public const string DeclaredContent = "DeclaredContent";

        /// <summary>The <c>[MitiJsonContext]</c> of agent classes.</summary>
        public const string JsonContexts = "JsonContexts";

        /// <summary>The graphs of values passed to <c>OutgoingContent.Create</c>.</summary>
        public const string CreatedContent = "CreatedContent";

        /// <summary>The merged file model.</summary>
        public const string ContentFile = "ContentFile";
    }

    /// <summary>
    /// Writes reflection-free JSON metadata (<c>JsonMetadataServices</c>) for the assembly's message content types and
    /// registers it with the runtime, so typed handlers (<c>MessageEvent&lt;T&gt;</c>) and typed sends
    /// (<c>OutgoingContent.Create</c>) work under trimming and Native AOT. Reports no diagnostics (MITI0011/MITI0012 do).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class MitiContentJsonGenerator : IIncrementalGenerator
    {
        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValueProvider<ImmutableArray<ContentRootModel>> message = Handlers(context, "MitiAgent.OnMessageAttribute");
            IncrementalValueProvider<ImmutableArray<ContentRootModel>> groupAt = Handlers(context, "MitiAgent.OnGroupAtAttribute");

            IncrementalValueProvider<ImmutableArray<ContentRootModel>> declared = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    "MitiAgent.MitiContentAttribute",
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => ContentTypeParser.FromAttribute(ctx, isJsonContext: false, ct))
                .WithTrackingName(ContentTrackingNames.DeclaredContent)
                .Where(static root => root is not null)
                .Select(static (root, _) => root!)
                .Collect();

            IncrementalValueProvider<ImmutableArray<ContentRootModel>> contexts = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    "MitiAgent.MitiJsonContextAttribute",
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => ContentTypeParser.FromAttribute(ctx, isJsonContext: true, ct))
                .WithTrackingName(ContentTrackingNames.JsonContexts)
                .Where(static root => root is not null)
                .Select(static (root, _) => root!)
                .Collect();

            IncrementalValueProvider<ImmutableArray<ContentRootModel>> created = context.SyntaxProvider
                .CreateSyntaxProvider(
                    static (node, _) => ContentTypeParser.IsCreateCall(node),
                    static (ctx, ct) => ContentTypeParser.FromCreateCall(ctx, ct))
                .WithTrackingName(ContentTrackingNames.CreatedContent)
                .Where(static root => root is not null)
                .Select(static (root, _) => root!)
                .Collect();

            IncrementalValueProvider<ContentFileModel> file = message
                .Combine(groupAt)
                .Combine(declared)
                .Combine(contexts)
                .Combine(created)
                .Select(static (pair, _) => Merge(pair.Left.Left.Left.Left, pair.Left.Left.Left.Right, pair.Left.Left.Right, pair.Left.Right, pair.Right))
                .WithTrackingName(ContentTrackingNames.ContentFile);

            context.RegisterSourceOutput(file, static (spc, model) =>
            {
                if (model.Types.Count != 0 || model.Contexts.Count != 0)
                {
                    spc.AddSource(JsonMetadataEmitter.HintName, SourceText.From(JsonMetadataEmitter.Emit(model), Encoding.UTF8));
                }
            });
        }

        private static IncrementalValueProvider<ImmutableArray<ContentRootModel>> Handlers(IncrementalGeneratorInitializationContext context, string attributeMetadataName) =>
            context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    attributeMetadataName,
                    static (node, _) => node is MethodDeclarationSyntax,
                    static (ctx, ct) => ContentTypeParser.FromHandler(ctx, ct))
                .WithTrackingName(ContentTrackingNames.HandlerContent)
                .Where(static root => root is not null)
                .Select(static (root, _) => root!)
                .Collect();

        private static ContentFileModel Merge(params ImmutableArray<ContentRootModel>[] sources)
        {
            var types = new Dictionary<string, ContentTypeModel>(StringComparer.Ordinal);
            var contexts = new SortedSet<string>(StringComparer.Ordinal);
            foreach (ImmutableArray<ContentRootModel> source in sources)
            {
                foreach (ContentRootModel root in source)
                {
                    if (root.JsonContextTypeName is not null)
                    {
                        contexts.Add(root.JsonContextTypeName);
                    }

                    foreach (ContentTypeModel type in root.Types)
                    {
                        if (!types.ContainsKey(type.TypeName))
                        {
                            types.Add(type.TypeName, type);
                        }
                    }
                }
            }

            var names = new List<string>(types.Keys);
            names.Sort(StringComparer.Ordinal);
            var ordered = new List<ContentTypeModel>(names.Count);
            foreach (string name in names)
            {
                ordered.Add(types[name]);
            }

            return new ContentFileModel(new EquatableArray<ContentTypeModel>(ordered), new EquatableArray<string>(contexts));
        }
    }
}
