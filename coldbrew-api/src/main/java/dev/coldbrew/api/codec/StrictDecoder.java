package dev.coldbrew.api.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.validation.FieldError;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The strict half of {@link ResourceCodec}'s decoding: every unknown field and every value of the
 * wrong type found in one pass, each with its path ({@code spec.traffic[1].percent}), and values
 * Jackson cannot skip dropped from a copy of the document so that decoding can start again and find
 * the rest. Stateless; safe from any thread.
 */
final class StrictDecoder {
  /** How many unskippable bad values one document may report before decoding gives up. */
  private static final int MAX_DECODE_ATTEMPTS = 100;

  private StrictDecoder() {}

  /** {@link ResourceCodec#decode(JsonNode, Class, List)}, with {@code json} as the mapper. */
  static <T> T decode(ObjectMapper json, JsonNode doc, Class<T> type, List<FieldError> errors) {
    List<FieldError> fatal = new ArrayList<>();
    JsonNode tree = doc;
    for (int attempt = 0; attempt <= MAX_DECODE_ATTEMPTS; attempt++) {
      Collector problems = new Collector();
      try {
        T value = json.reader().withHandler(problems).forType(type).readValue(tree);
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
  static String describe(JsonNode node) {
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

  /** The first line of an exception's message, without Jackson's reference chain. */
  static String brief(Exception e) {
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
        sb.append(ResourceCodec.json().valueToTree(constants[i]).asText());
      }
      return sb.toString();
    }
  }
}
