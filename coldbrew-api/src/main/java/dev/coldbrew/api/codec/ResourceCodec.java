package dev.coldbrew.api.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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

  /** How many unskippable bad values one document may report before decoding gives up. */
  private static final int MAX_DECODE_ATTEMPTS = 100;

  private static final ObjectMapper JSON = configure(JsonMapper.builder().build());
  private static final ObjectMapper YAML =
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
    return YAML;
  }

  /**
   * Splits YAML or JSON text into resource documents: each YAML document, and each item of a {@code
   * kind: List}. Empty documents are skipped.
   *
   * @throws ValidationException if the text is not YAML/JSON or a document is not an object
   */
  public static List<ObjectNode> split(String text) {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
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
          new FieldError("", "not valid YAML or JSON" + where + ": " + brief(e)));
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
            new FieldError(where + " items", describe(items) + " (expected: a list)"));
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
                  + " serving.knative.dev/v1)"));
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
    List<FieldError> fatal = new ArrayList<>();
    JsonNode tree = doc;
    for (int attempt = 0; attempt <= MAX_DECODE_ATTEMPTS; attempt++) {
      Collector problems = new Collector();
      try {
        T value = JSON.reader().withHandler(problems).forType(type).readValue(tree);
        errors.addAll(fatal);
        errors.addAll(problems.errors);
        return value;
      } catch (IOException | IllegalArgumentException e) {
        List<Object> refs = pathRefs(e);
        fatal.add(describeFailure(e, render(refs), at(tree, refs)));
        if (tree == doc) {
          tree = doc.deepCopy();
        }
        if (!remove(tree, refs)) {
          fatal.addAll(problems.errors);
          break;
        }
      }
    }
    errors.addAll(fatal);
    return null;
  }

  private static FieldError describeFailure(Exception e, String path, JsonNode bad) {
    Class<?> target = null;
    for (Throwable t = e; t != null && target == null; t = t.getCause()) {
      if (t instanceof MismatchedInputException m) {
        target = m.getTargetType();
      } else if (t instanceof InputCoercionException c) {
        target = c.getTargetType();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (bad == null || target == null) {
      return new FieldError(path, brief(e));
    }
    String expected = Collector.expected(target);
    if (bad.isNumber() && ("an integer".equals(expected))) {
      expected = bad.isIntegralNumber() ? "an integer in range" : expected;
    }
    return new FieldError(path, describe(bad) + " (expected: " + expected + ")");
  }

  /** A value for a message: strings quoted, containers named. */
  private static String describe(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isTextual()) {
      return "\"" + node.asText() + "\"";
    }
    return node.toString();
  }

  private static List<Object> pathRefs(Exception e) {
    List<Object> refs = new ArrayList<>();
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException jme) {
      for (var ref : jme.getPath()) {
        if (ref.getFieldName() != null) {
          refs.add(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          refs.add(ref.getIndex());
        }
      }
    }
    return refs;
  }

  private static String render(List<Object> refs) {
    StringBuilder sb = new StringBuilder();
    for (Object ref : refs) {
      if (ref instanceof Integer i) {
        sb.append('[').append(i).append(']');
      } else {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref);
      }
    }
    return sb.toString();
  }

  private static JsonNode at(JsonNode tree, List<Object> refs) {
    JsonNode node = tree;
    for (Object ref : refs) {
      node = ref instanceof Integer i ? node.get(i) : node.get((String) ref);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** Drops the value at {@code refs}: an object field is removed, a list item becomes null. */
  private static boolean remove(JsonNode tree, List<Object> refs) {
    if (refs.isEmpty()) {
      return false;
    }
    JsonNode parent = at(tree, refs.subList(0, refs.size() - 1));
    Object last = refs.get(refs.size() - 1);
    if (parent instanceof ObjectNode o && last instanceof String field && o.has(field)) {
      o.remove(field);
      return true;
    }
    if (parent instanceof ArrayNode a
        && last instanceof Integer i
        && i < a.size()
        && !a.get(i).isNull()) {
      a.set(i, NullNode.getInstance());
      return true;
    }
    return false;
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
      return YAML.writeValueAsString(value);
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
      JsonNode doc = JSON.readTree(json);
      return JSON.treeToValue(doc, kindOf(doc).newResource().getClass());
    } catch (IOException e) {
      throw new IllegalStateException("stored resource is not readable: " + brief(e), e);
    }
  }

  private static String brief(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int cut = m.indexOf("\n");
    m = cut > 0 ? m.substring(0, cut) : m;
    int at = m.indexOf(" (through reference chain");
    return at > 0 ? m.substring(0, at) : m;
  }

  /** The path of the parser's current position: {@code spec.traffic[1].percent}. */
  static String path(JsonParser p, String leaf) {
    Deque<String> parts = new ArrayDeque<>();
    JsonStreamContext ctx = p.getParsingContext();
    JsonToken t = p.currentToken();
    if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && ctx.getParent() != null) {
      ctx = ctx.getParent(); // the parser has entered the value: start from its container
    }
    if (leaf != null) {
      parts.push(leaf);
      ctx = ctx.getParent() != null && ctx.inObject() ? ctx.getParent() : ctx;
    }
    for (; ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
      if (ctx.inArray()) {
        parts.push("[" + Math.max(0, ctx.getCurrentIndex()) + "]");
      } else if (ctx.getCurrentName() != null) {
        parts.push(ctx.getCurrentName());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      if (sb.length() > 0 && !part.startsWith("[")) {
        sb.append('.');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  /** Records problems and skips the bad value, so decoding goes on and finds the rest. */
  private static final class Collector extends DeserializationProblemHandler {
    final List<FieldError> errors = new ArrayList<>();

    @Override
    public boolean handleUnknownProperty(
        DeserializationContext ctxt,
        JsonParser p,
        JsonDeserializer<?> deserializer,
        Object beanOrClass,
        String propertyName)
        throws IOException {
      errors.add(FieldError.unknown(path(p, propertyName)));
      p.skipChildren();
      return true;
    }

    @Override
    public Object handleUnexpectedToken(
        DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p, String msg)
        throws IOException {
      String found = t == null ? "nothing" : describe(t, p);
      String at = path(p, null);
      errors.add(new FieldError(at, found + " (expected: " + expected(targetType) + ")"));
      p.skipChildren();
      return null;
    }

    @Override
    public Object handleWeirdStringValue(
        DeserializationContext ctxt, Class<?> targetType, String value, String msg) {
      errors.add(FieldError.invalid(path(ctxt.getParser(), null), value, expected(targetType)));
      return null;
    }

    @Override
    public Object handleWeirdNumberValue(
        DeserializationContext ctxt, Class<?> targetType, Number value, String msg) {
      errors.add(FieldError.invalid(path(ctxt.getParser(), null), value, expected(targetType)));
      return null;
    }

    private static String describe(JsonToken t, JsonParser p) throws IOException {
      return switch (t) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "a list";
        case VALUE_STRING -> "\"" + p.getText() + "\"";
        default -> p.getText();
      };
    }

    private static String expected(JavaType type) {
      return expected(type.getRawClass());
    }

    static String expected(Class<?> raw) {
      if (raw == Long.class || raw == Integer.class || raw == long.class || raw == int.class) {
        return "an integer";
      }
      if (raw == Boolean.class || raw == boolean.class) {
        return "true or false";
      }
      if (raw == String.class) {
        return "a string";
      }
      if (List.class.isAssignableFrom(raw)) {
        return "a list";
      }
      if (Double.class == raw || double.class == raw) {
        return "a number";
      }
      if (raw.isEnum()) {
        return oneOf(raw.getEnumConstants());
      }
      return "an object";
    }

    /** An enum's values as written in manifests: {@code Proxy or Serve}. */
    private static String oneOf(Object[] constants) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < constants.length; i++) {
        if (i > 0) {
          sb.append(i == constants.length - 1 ? " or " : ", ");
        }
        sb.append(JSON.valueToTree(constants[i]).asText());
      }
      return sb.toString();
    }
  }
}
