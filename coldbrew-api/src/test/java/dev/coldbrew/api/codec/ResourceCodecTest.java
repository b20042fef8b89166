package dev.coldbrew.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ResourceCodecTest {
  private static final String HEAD =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
      """;

  private static List<FieldError> errors(ThrowingCallable call) {
    ValidationException[] caught = new ValidationException[1];
    assertThatThrownBy(call).isInstanceOfSatisfying(ValidationException.class, e -> caught[0] = e);
    return caught[0].errors();
  }

  private static List<FieldError> decodeErrors(String text) {
    return errors(() -> ResourceCodec.split(text).forEach(ResourceCodec::decode));
  }

  @Test
  void reportsUnknownFieldsAtEveryDepthAtOnce() {
    String yaml =
        HEAD
            + """
              colour: blue
              extra: {deep: {deeper: 1}}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                    - command: ["./server"]
                      imagePullPolicy: Always
                      cmd: ["oops"]
                      ports: [{containerPort: 8080, nmae: h2c}]
                      readinessProbe: {httpGet: {path: /, verb: GET}}
              traffic:
                - percent: 100
                  weight: 1
            """;
    assertThat(decodeErrors(yaml))
        .containsExactly(
            FieldError.unknown("metadata.colour"),
            FieldError.unknown("metadata.extra"),
            FieldError.unknown("spec.replicas"),
            FieldError.unknown("spec.template.spec.containers[0].cmd"),
            FieldError.unknown("spec.template.spec.containers[0].ports[0].nmae"),
            FieldError.unknown("spec.template.spec.containers[0].readinessProbe.httpGet.verb"),
            FieldError.unknown("spec.traffic[0].weight"));
  }

  @Test
  void reportsWrongTypesWithPathValueAndExpectation() {
    String yaml =
        HEAD
            + """
            spec:
              template:
                spec:
                  containerConcurrency: "ten"
                  containers: {}
                  timeoutSeconds: 1.5
              traffic:
                - percent: 99999999999999999999
                  latestRevision: maybe
                  tag: [v1]
            """;
    assertThat(decodeErrors(yaml))
        .containsExactlyInAnyOrder(
            new FieldError(
                "spec.template.spec.containerConcurrency", "\"ten\" (expected: an integer)"),
            new FieldError("spec.template.spec.containers", "an object (expected: a list)"),
            new FieldError("spec.template.spec.timeoutSeconds", "1.5 (expected: an integer)"),
            new FieldError(
                "spec.traffic[0].percent", "99999999999999999999 (expected: an integer in range)"),
            new FieldError("spec.traffic[0].latestRevision", "\"maybe\" (expected: true or false)"),
            new FieldError("spec.traffic[0].tag", "a list (expected: a string)"));
  }

  @Test
  void reportsWrongShapesOfWholeSections() {
    assertThat(decodeErrors(HEAD + "spec: hello\n"))
        .containsExactly(new FieldError("spec", "\"hello\" (expected: an object)"));
    assertThat(decodeErrors(HEAD + "  labels: [a, b]\n"))
        .containsExactly(new FieldError("metadata.labels", "a list (expected: an object)"));
    assertThat(
            decodeErrors(
                HEAD + "spec:\n  template:\n    spec:\n      containers:\n        - ports: 8080\n"))
        .containsExactly(
            new FieldError("spec.template.spec.containers[0].ports", "8080 (expected: a list)"));
  }

  @Test
  void splitsMultiDocumentYaml() {
    String text =
        HEAD
            + "---\n"
            + "apiVersion: serving.knative.dev/v1\nkind: Route\nmetadata: {name: r}\n"
            + "---\n"
            + "# only a comment\n"
            + "---\n";
    List<Resource> resources =
        ResourceCodec.split(text).stream().map(ResourceCodec::decode).toList();
    assertThat(resources).hasSize(2);
    assertThat(resources.get(0)).isInstanceOf(Service.class);
    assertThat(resources.get(1)).isInstanceOf(Route.class);
    assertThat(resources.get(1).metadata.name).isEqualTo("r");
  }

  @Test
  void flattensKindList() {
    String text =
        """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: a}
          - apiVersion: serving.knative.dev/v1
            kind: Route
            metadata: {name: b}
        ---
        apiVersion: v1
        kind: List
        items: []
        """;
    assertThat(ResourceCodec.split(text))
        .extracting(d -> ResourceCodec.kindOf(d))
        .containsExactly(Kind.SERVICE, Kind.ROUTE);
  }

  @Test
  void rejectsListItemsThatAreNotObjects() {
    assertThat(errors(() -> ResourceCodec.split("apiVersion: v1\nkind: List\nitems: [1]\n")))
        .containsExactly(
            new FieldError("", "document 1 items[0]: expected an object with apiVersion and kind"));
    assertThat(errors(() -> ResourceCodec.split("apiVersion: v1\nkind: List\nitems: {a: 1}\n")))
        .containsExactly(new FieldError("document 1 items", "an object (expected: a list)"));
  }

  @Test
  void readsJson() {
    String json =
        """
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
         "metadata": {"name": "hello"},
         "spec": {"template": {"spec": {"containers": [{"command": ["./server"]}]}},
                  "traffic": [{"percent": 100, "latestRevision": true}]}}
        """;
    Service s = (Service) ResourceCodec.decodeOne(json);
    assertThat(s.spec.template.spec.container().command).containsExactly("./server");
    assertThat(s.spec.traffic.get(0).percent).isEqualTo(100L);
    assertThat(decodeErrors(json.replace("\"percent\"", "\"pct\"")))
        .containsExactly(FieldError.unknown("spec.traffic[0].pct"));
  }

  @Test
  void emptyInputHasNoDocuments() {
    assertThat(ResourceCodec.split("")).isEmpty();
    assertThat(ResourceCodec.split("---\n---\n# nothing\n")).isEmpty();
    assertThat(errors(() -> ResourceCodec.decodeOne("")))
        .containsExactly(new FieldError("", "expected exactly one resource, found 0"));
  }

  @Test
  void rejectsTextThatIsNotYaml() {
    assertThat(errors(() -> ResourceCodec.split("{ a: [ }")))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path()).isEmpty();
              assertThat(e.message()).startsWith("not valid YAML or JSON (line 1, column");
            });
    assertThat(errors(() -> ResourceCodec.split("just words")))
        .containsExactly(
            new FieldError("", "document 1: expected an object with apiVersion and kind"));
    assertThat(errors(() -> ResourceCodec.split("- a\n- b\n")))
        .containsExactly(
            new FieldError("", "document 1: expected an object with apiVersion and kind"));
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThat(errors(() -> ResourceCodec.split(HEAD + "metadata: {name: other}\n")))
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("Duplicate field 'metadata'"));
  }

  @Test
  void requiresApiVersionAndKind() {
    assertThat(decodeErrors("metadata: {name: a}\n"))
        .containsExactly(FieldError.missing("apiVersion"), FieldError.missing("kind"));
    assertThat(decodeErrors("apiVersion: serving.knative.dev/v1\nmetadata: {name: a}\n"))
        .containsExactly(FieldError.missing("kind"));
  }

  @Test
  void rejectsUnknownKinds() {
    assertThat(decodeErrors("apiVersion: apps/v1\nkind: Deployment\n"))
        .containsExactly(
            new FieldError(
                "kind",
                "\"Deployment\" in \"apps/v1\" (expected: Service, Configuration, Revision or"
                    + " Route in serving.knative.dev/v1, or DomainMapping in"
                    + " serving.knative.dev/v1beta1)"));
    assertThat(decodeErrors("apiVersion: serving.knative.dev/v2\nkind: Service\n")).hasSize(1);
  }

  @Test
  void acceptsColdbrewGroupAlias() {
    Resource r =
        ResourceCodec.decodeOne("apiVersion: serving.coldbrew.dev/v1\nkind: Route\nmetadata: {}\n");
    assertThat(r).isInstanceOf(Route.class);
  }

  @Test
  void emptyYamlValuesAreNulls() {
    Service s =
        (Service)
            ResourceCodec.decodeOne(
                HEAD + "spec:\n  template:\n    spec:\n      containers:\n        -\n");
    assertThat(s.spec.template.spec.containers)
        .containsExactly((dev.coldbrew.api.model.Container) null);
  }

  @Test
  void stringsThatLookLikeOtherTypesStayStrings() {
    String yaml =
        HEAD
            + """
              annotations: {a: "1", b: "true", c: "null", d: "", e: "1.5", f: "0x1F", g: "~"}
            spec:
              template:
                spec:
                  containers:
                    - command: ["./server", "8080", "yes", "no"]
                      resources: {limits: {cpu: "1", memory: 1Gi}}
            """;
    Resource decoded = ResourceCodec.decodeOne(yaml);
    Resource again = ResourceCodec.decodeOne(ResourceCodec.toYaml(decoded));
    assertThat(ResourceCodec.toTree(again)).isEqualTo(ResourceCodec.toTree(decoded));
    assertThat(again.metadata.annotations)
        .containsEntry("a", "1")
        .containsEntry("b", "true")
        .containsEntry("c", "null")
        .containsEntry("d", "")
        .containsEntry("g", "~");
    assertThat(
            ((Service) again)
                .spec
                .template
                .spec
                .container()
                .resources
                .limits
                .get("cpu")
                .isTextual())
        .isTrue();
  }

  @Test
  void deeplyNestedInputIsRejectedNotACrash() {
    String deepYaml = HEAD + "  labels: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
    assertThat(errors(() -> ResourceCodec.split(deepYaml).forEach(ResourceCodec::decode)))
        .isNotEmpty();
    String deepJson = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
    assertThat(errors(() -> ResourceCodec.split(deepJson).forEach(ResourceCodec::decode)))
        .isNotEmpty();
  }

  @Test
  void aManifestOfThreeToFourMebibytesParses() {
    // SnakeYAML's default limit is 3 MB: a manifest under the admin API's 4 MiB body limit but
    // over 3 MB must parse (so the API's limit, 413, is what a client meets).
    String big =
        HEAD
            + "  annotations:\n"
            + "    big: \""
            + "x".repeat(3_600_000)
            + "\"\n"
            + "spec:\n  template: {spec: {containers: [{command: [app]}]}}\n";
    assertThat(big.length()).isBetween(3_500_000, 4 * 1024 * 1024);
    Service s = (Service) ResourceCodec.decodeOne(big);
    assertThat(s.metadata.annotations().get("big")).hasSize(3_600_000);
  }

  @Test
  void aliasBombsStaySmall() {
    // "billion laughs": 10^11 leaves if aliases were expanded; the parser never expands them.
    StringBuilder y = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++) {
      y.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        y.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      y.append("]\n");
    }
    assertThat(ResourceCodec.split(y.toString()).get(0).toString()).hasSizeLessThan(10_000);
  }

  @Test
  void copyIsDeep() {
    Service s = (Service) ResourceCodec.decodeOne(HEAD + "  labels: {a: b}\n");
    Service c = ResourceCodec.copy(s);
    c.metadata.labels.put("a", "changed");
    assertThat(s.metadata.labels).containsEntry("a", "b");
  }
}
