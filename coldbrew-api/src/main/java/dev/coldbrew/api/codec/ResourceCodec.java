package dev.coldbrew.api.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads and writes resources as YAML or JSON. Decoding is strict like the Kubernetes API server:
 * every unknown field and every value of the wrong type is reported with its path, all at once,
 * rather than stopping at the first. Multi-document YAML and {@code kind: List} are flattened into
 * one list of documents. Thread-safe.
 */
public final class ResourceCodec {
  /**
   * The most characters one YAML text may have: SnakeYAML's default (3 MB) is below the admin API's
   * 4 MiB body limit, so a large manifest got a parse error instead of the body limit's 413; this
   * is four times that limit. Alias expansion and nesting keep SnakeYAML's default bounds.
   */
  public static final int MAX_YAML_CODE_POINTS = 16 * 1024 * 1024;

  private static final ObjectMapper JSON = configure(JsonMapper.builder().build());

  /**
   * The YAML mapper, made on first use: a CLI call that only speaks JSON with the admin API (most
   * of them) never loads SnakeYAML.
   */
  private static final class Yaml {
    static final ObjectMapper MAPPER =
        configure(
            YAMLMapper.builder(
                    YAMLFactory.builder()
                        .loaderOptions(yamlLoaderOptions())
                        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .build())
                .build());
  }

  private ResourceCodec() {}

  private static LoaderOptions yamlLoaderOptions() {
    LoaderOptions o = new LoaderOptions();
    o.setCodePointLimit(MAX_YAML_CODE_POINTS);
    return o;
  }

  private static ObjectMapper configure(ObjectMapper m) {
    m.registerModule(
        new SimpleModule("interned-strings")
            .addDeserializer(String.class, new InterningStringDeserializer()));
    m.setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    return m;
  }

  /**
   * Jackson's string reading (same coercions), with short values interned: thousands of cached
   * resources repeat the same namespaces, label values, kinds, condition types, statuses and
   * reasons, and sharing them is most of an idle service's heap (measured: 1.3 M strings for 5000
   * services before).
   */
  private static final class InterningStringDeserializer extends StringDeserializer {
    private static final long serialVersionUID = 1L;

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String s = super.deserialize(p, ctxt);
      return s != null && s.length() <= 64 ? s.intern() : s;
    }
  }

  /** The shared JSON mapper (lenient only where this class makes it so). */
  public static ObjectMapper json() {
    return JSON;
  }

  /** The shared YAML mapper. */
  public static ObjectMapper yaml() {
    return Yaml.MAPPER;
  }

  /**
   * Splits YAML or JSON text into resource documents: each YAML document, and each item of a {@code
   * kind: List}. Empty documents are skipped.
   *
   * @throws ValidationException if the text is not YAML/JSON or a document is not an object
   */
  public static List<ObjectNode> split(String text) {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = Yaml.MAPPER.readerFor(JsonNode.class).readValues(text)) {
      int index = 0;
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        index++;
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        addDocument(doc, "document " + index, out);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ValidationException v) {
        throw v;
      }
      String where = "";
      if (e instanceof JsonProcessingException j && j.getLocation() != null) {
        where =
            " (line "
                + j.getLocation().getLineNr()
                + ", column "
                + j.getLocation().getColumnNr()
                + ")";
      }
      throw new ValidationException(
          new FieldError("", "not valid YAML or JSON" + where + ": " + StrictDecoder.brief(e)));
    }
    return out;
  }

  private static void addDocument(JsonNode doc, String where, List<ObjectNode> out) {
    if (!(doc instanceof ObjectNode obj)) {
      throw new ValidationException(
          new FieldError("", where + ": expected an object with apiVersion and kind"));
    }
    if ("List".equals(obj.path("kind").asText()) && obj.has("items")) {
      JsonNode items = obj.get("items");
      if (items.isNull()) {
        return;
      }
      if (!items.isArray()) {
        throw new ValidationException(
            new FieldError(
                where + " items", StrictDecoder.describe(items) + " (expected: a list)"));
      }
      for (int i = 0; i < items.size(); i++) {
        addDocument(items.get(i), where + " items[" + i + "]", out);
      }
      return;
    }
    out.add(obj);
  }

  /** The kind a document declares. */
  public static Kind kindOf(JsonNode doc) {
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    List<FieldError> errors = new ArrayList<>();
    if (apiVersion.isEmpty()) {
      errors.add(FieldError.missing("apiVersion"));
    }
    if (kind.isEmpty()) {
      errors.add(FieldError.missing("kind"));
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    Optional<Kind> k = Kind.of(apiVersion, kind);
    if (k.isEmpty()) {
      throw new ValidationException(
          new FieldError(
              "kind",
              "\""
                  + kind
                  + "\" in \""
                  + apiVersion
                  + "\" (expected: Service, Configuration, Revision or Route in"
                  + " serving.knative.dev/v1, or DomainMapping in serving.knative.dev/v1beta1)"));
    }
    return k.get();
  }

  /** Decodes one document into its resource class, reporting every bad field at once. */
  public static Resource decode(JsonNode doc) {
    Kind kind = kindOf(doc);
    Resource r = decode(doc, kind.newResource().getClass());
    if (r.metadata == null) { // "metadata: null": as if none were given, so validation names it
      r.metadata = new dev.coldbrew.api.model.ObjectMeta();
    }
    if (kind.olderVersion() != null && r.apiVersion.endsWith("/" + kind.olderVersion())) {
      r.apiVersion = kind.apiVersion(); // the same schema: stored at the current version
    }
    return r;
  }

  /**
   * Decodes one document into {@code type}, reporting every bad field at once. Problems Jackson
   * cannot skip (a number out of range, a value of the wrong shape) are recorded, the bad value is
   * dropped from a copy of the document, and decoding starts again, until the rest decodes.
   */
  public static <T> T decode(JsonNode doc, Class<T> type) {
    List<FieldError> errors = new ArrayList<>();
    T value = decode(doc, type, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return value;
  }

  /**
   * Decodes like {@link #decode(JsonNode, Class)}, but adds every problem to {@code errors} instead
   * of throwing, and returns what decoded without the bad values (null when nothing did): for
   * callers that go on to check the values and report everything at once.
   */
  public static <T> T decode(JsonNode doc, Class<T> type, List<FieldError> errors) {
    return StrictDecoder.decode(JSON, doc, type, errors);
  }

  /** Decodes YAML or JSON text holding exactly one resource. */
  public static Resource decodeOne(String text) {
    List<ObjectNode> docs = split(text);
    if (docs.size() != 1) {
      throw new ValidationException(
          new FieldError("", "expected exactly one resource, found " + docs.size()));
    }
    return decode(docs.get(0));
  }

  /** Compact JSON. */
  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Indented JSON. */
  public static String toPrettyJson(Object value) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** YAML, without a leading document marker. */
  public static String toYaml(Object value) {
    try {
      return Yaml.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The resource as a JSON tree. */
  public static ObjectNode toTree(Resource resource) {
    return JSON.valueToTree(resource);
  }

  /** A deep copy, safe to change. */
  @SuppressWarnings("unchecked")
  public static <T extends Resource> T copy(T resource) {
    return (T) JSON.convertValue(resource, resource.getClass());
  }

  /** Reads a resource that this codec wrote (trusted input, e.g. from the store). */
  public static Resource fromStoredJson(String json) {
    try {
      return fromStoredTree(JSON.readTree(json));
    } catch (IOException e) {
      throw new IllegalStateException(
          "stored resource is not readable: " + StrictDecoder.brief(e), e);
    }
  }

  /** {@link #fromStoredJson} of a parsed document (an item of a list the admin API sent). */
  public static Resource fromStoredTree(JsonNode doc) {
    try {
      return JSON.treeToValue(doc, kindOf(doc).newResource().getClass());
    } catch (IOException e) {
      throw new IllegalStateException(
          "stored resource is not readable: " + StrictDecoder.brief(e), e);
    }
  }
}
