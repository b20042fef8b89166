package dev.coldbrew.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Resource;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a user sends, the input pipeline (split, decode, default, validate) either accepts it or
 * throws {@link ValidationException}: never a NullPointerException, ClassCastException or Jackson
 * exception. Inputs are valid manifests mutated at the tree level (keys, values, types) and at the
 * text level, as YAML or JSON.
 */
class PipelinePropertiesTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ValidationContext CTX = ValidationContext.standard();
  private static final List<JsonNode> VALID =
      Manifests.VALID.stream().map(y -> (JsonNode) ResourceCodec.split(y).get(0)).toList();

  private static final List<String> KEYS =
      List.of(
          "apiVersion",
          "kind",
          "metadata",
          "name",
          "generateName",
          "namespace",
          "labels",
          "annotations",
          "spec",
          "template",
          "containers",
          "command",
          "args",
          "image",
          "env",
          "value",
          "valueFrom",
          "ports",
          "containerPort",
          "readinessProbe",
          "livenessProbe",
          "httpGet",
          "tcpSocket",
          "exec",
          "grpc",
          "port",
          "scheme",
          "periodSeconds",
          "timeoutSeconds",
          "containerConcurrency",
          "responseStartTimeoutSeconds",
          "idleTimeoutSeconds",
          "traffic",
          "percent",
          "tag",
          "revisionName",
          "configurationName",
          "latestRevision",
          "url",
          "items",
          "status",
          "resources",
          "limits",
          "autoscaling.knative.dev/min-scale",
          "serving.knative.dev/progress-deadline",
          "x");

  @Property(tries = 400)
  void mutatedManifestsOnlyFailValidation(@ForAll Random random) {
    JsonNode doc = VALID.get(random.nextInt(VALID.size())).deepCopy();
    int mutations = 1 + random.nextInt(4);
    for (int i = 0; i < mutations; i++) {
      doc = mutate(doc, random);
    }
    String text = random.nextBoolean() ? ResourceCodec.toJson(doc) : ResourceCodec.toYaml(doc);
    if (random.nextInt(4) == 0) {
      text = mutateText(text, random);
    }
    if (random.nextInt(5) == 0) {
      text = text + "\n---\n" + ResourceCodec.toYaml(VALID.get(random.nextInt(VALID.size())));
    }
    if (random.nextInt(8) == 0) {
      text = "apiVersion: v1\nkind: List\nitems:\n" + ("- " + ResourceCodec.toJson(doc)) + "\n";
    }
    runPipeline(text, random);
  }

  @Property(tries = 200)
  void arbitraryTextOnlyFailsValidation(@ForAll String text, @ForAll Random random) {
    runPipeline(text, random);
    runPipeline("apiVersion: serving.knative.dev/v1\nkind: Service\n" + text, random);
  }

  private static void runPipeline(String text, Random random) {
    String stage = "split";
    try {
      for (ObjectNode doc : ResourceCodec.split(text)) {
        stage = "decode";
        Resource r = ResourceCodec.decode(doc);
        stage = "validate";
        Defaults.apply(r, CTX.defaults());
        Defaults.apply(r, CTX.defaults());
        ValidationContext ctx = CTX.withLocalRuntime(random.nextBoolean());
        if (random.nextBoolean()) {
          Validation.validate(r, ctx);
        } else {
          Resource old =
              Manifests.defaulted(ResourceCodec.toYaml(VALID.get(random.nextInt(VALID.size()))));
          Validation.validateUpdate(old, r, ctx);
        }
        ResourceCodec.decodeOne(ResourceCodec.toYaml(r));
      }
      Statistics.label("outcome").collect("accepted");
    } catch (ValidationException expected) {
      // the only failure a user may see
      Statistics.label("outcome").collect("rejected at " + stage);
    }
  }

  private static JsonNode mutate(JsonNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    if (random.nextBoolean()) {
      sameTypeLeaf(containers, random);
      return root;
    }
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      String key = names.isEmpty() ? pick(KEYS, random) : pick(names, random);
      switch (random.nextInt(4)) {
        case 0 -> o.remove(key);
        case 1 -> o.set(pick(KEYS, random), randomValue(random, 2));
        case 2 -> {
          JsonNode v = o.remove(key);
          o.set(pick(KEYS, random), v == null ? F.nullNode() : v);
        }
        default -> o.set(key, randomValue(random, 2));
      }
    } else if (target instanceof ArrayNode a) {
      switch (random.nextInt(3)) {
        case 0 -> a.add(a.isEmpty() ? randomValue(random, 2) : a.get(0).deepCopy());
        case 1 -> {
          if (!a.isEmpty()) {
            a.remove(random.nextInt(a.size()));
          }
        }
        default -> {
          if (a.isEmpty()) {
            a.add(randomValue(random, 2));
          } else {
            a.set(random.nextInt(a.size()), randomValue(random, 2));
          }
        }
      }
    }
    return root;
  }

  /** Replaces a scalar with another of its type, so the document still decodes. */
  private static void sameTypeLeaf(List<JsonNode> containers, Random random) {
    for (int attempt = 0; attempt < 20; attempt++) {
      JsonNode parent = containers.get(random.nextInt(containers.size()));
      if (parent.isEmpty()) {
        continue;
      }
      int index = random.nextInt(parent.size());
      JsonNode leaf = parent.get(index);
      String field = null;
      if (parent instanceof ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        field = names.get(index);
        leaf = o.get(field);
      }
      JsonNode replacement;
      if (leaf.isTextual()) {
        replacement =
            F.textNode(
                pick(
                    List.of(
                        "",
                        "hello",
                        "Hello",
                        "hello-v9",
                        "other-1",
                        "a/b",
                        "PORT",
                        "h2c",
                        "http2",
                        "10.5s",
                        "0s",
                        "-1",
                        "9999",
                        "HTTPS",
                        "FTP",
                        "x".repeat(70)),
                    random));
      } else if (leaf.isNumber()) {
        replacement =
            F.numberNode(
                pick(
                    List.of(0L, -1L, 1L, 99L, 100L, 101L, 600L, 601L, 1001L, 8012L, 70000L),
                    random));
      } else if (leaf.isBoolean()) {
        replacement = F.booleanNode(!leaf.asBoolean());
      } else {
        continue;
      }
      if (parent instanceof ObjectNode o) {
        o.set(field, replacement);
      } else {
        ((ArrayNode) parent).set(index, replacement);
      }
      return;
    }
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      node.forEach(child -> collect(child, out));
    }
  }

  private static JsonNode randomValue(Random random, int depth) {
    int choice = random.nextInt(depth > 0 ? 16 : 13);
    return switch (choice) {
      case 0 -> F.textNode("");
      case 1 ->
          F.textNode(
              pick(List.of("hello", "Hello", "hello-00001", "h2c", "10.5s", "60s", "-1"), random));
      case 2 ->
          F.textNode(
              pick(List.of("Service", "Route", "Revision", "Configuration", "List"), random));
      case 3 -> F.textNode("serving.knative.dev/v1");
      case 4 -> F.numberNode(pick(List.of(0L, -1L, 1L, 100L, 120L, 8080L, 8012L, 65536L), random));
      case 5 -> F.numberNode(Long.MAX_VALUE);
      case 6 -> F.numberNode(new BigInteger("123456789012345678901234567890"));
      case 7 -> F.numberNode(1.5);
      case 8 -> F.booleanNode(random.nextBoolean());
      case 9 -> F.nullNode();
      case 10 -> F.objectNode();
      case 11 -> F.arrayNode();
      case 12 -> F.arrayNode().addNull();
      case 13 -> {
        ObjectNode o = F.objectNode();
        o.set(pick(KEYS, random), randomValue(random, depth - 1));
        yield o;
      }
      case 14 -> F.arrayNode().add(randomValue(random, depth - 1));
      default -> F.textNode("x".repeat(random.nextInt(100)));
    };
  }

  private static String mutateText(String text, Random random) {
    int at = random.nextInt(text.length() + 1);
    return switch (random.nextInt(4)) {
      case 0 -> text.substring(0, at);
      case 1 ->
          text.substring(0, at)
              + pick(
                  List.of("\t", ":", "- ", "{", "[", "&a ", "*a", "!!binary ", "\"", "---\n", "? "),
                  random)
              + text.substring(at);
      case 2 ->
          text.substring(0, at)
              + text.substring(Math.min(text.length(), at + 1 + random.nextInt(10)));
      default -> text + text;
    };
  }

  private static <T> T pick(List<T> values, Random random) {
    return values.get(random.nextInt(values.size()));
  }
}
