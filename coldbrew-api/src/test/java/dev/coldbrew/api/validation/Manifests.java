package dev.coldbrew.api.validation;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Resource;
import java.util.List;

/** Valid manifests, and the pipeline the API layer runs on input: decode, default, validate. */
final class Manifests {
  private Manifests() {}

  /** Knative's helloworld, run through command/args. */
  static final String HELLO =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
        namespace: default
        labels:
          app.kubernetes.io/name: hello
      spec:
        template:
          spec:
            containers:
              - name: user-container
                image: ghcr.io/knative/helloworld-go:latest
                command: ["python3", "-m", "http.server"]
                args: ["8080"]
                workingDir: /srv
                ports:
                  - containerPort: 8080
                    name: http1
                env:
                  - name: TARGET
                    value: World
                readinessProbe:
                  httpGet:
                    path: /healthz
                    port: 8080
                  periodSeconds: 0
                livenessProbe:
                  tcpSocket: {}
                  initialDelaySeconds: 3
                  periodSeconds: 10
                  timeoutSeconds: 1
                  failureThreshold: 3
                resources:
                  limits: {cpu: "1", memory: 256Mi}
            containerConcurrency: 10
            timeoutSeconds: 120
      """;

  /** A traffic split over a named revision and the latest, with tags. */
  static final String SPLIT =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
        annotations:
          serving.knative.dev/rollout-duration: 0s
      spec:
        template:
          metadata:
            name: hello-v2
          spec:
            containers:
              - command: ["./server"]
        traffic:
          - revisionName: hello-v1
            percent: 80
            tag: stable
          - latestRevision: true
            percent: 20
            tag: candidate
          - revisionName: hello-v0
            percent: 0
            tag: old
      """;

  /** Autoscaling annotations where they belong, on the template. */
  static final String AUTOSCALED =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: autoscale-go
      spec:
        template:
          metadata:
            annotations:
              autoscaling.knative.dev/class: kpa.autoscaling.knative.dev
              autoscaling.knative.dev/metric: concurrency
              autoscaling.knative.dev/target: "10"
              autoscaling.knative.dev/min-scale: "1"
              autoscaling.knative.dev/max-scale: "5"
              serving.knative.dev/progress-deadline: 120s
          spec:
            containers:
              - command: ["java", "-jar", "app.jar"]
      """;

  static final String CONFIGURATION =
      """
      apiVersion: serving.knative.dev/v1
      kind: Configuration
      metadata:
        name: hello
      spec:
        template:
          spec:
            containers:
              - command: ["./server"]
      """;

  static final String ROUTE =
      """
      apiVersion: serving.knative.dev/v1
      kind: Route
      metadata:
        name: hello
      spec:
        traffic:
          - configurationName: hello
            percent: 90
          - revisionName: hello-00001
            percent: 10
            tag: previous
      """;

  static final String REVISION =
      """
      apiVersion: serving.knative.dev/v1
      kind: Revision
      metadata:
        name: hello-00001
        annotations:
          autoscaling.knative.dev/min-scale: "1"
      spec:
        containers:
          - command: ["./server"]
        timeoutSeconds: 300
      """;

  /** Knative's helloworld as written for a cluster: an image, run as a container. */
  static final String IMAGE =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: helloworld-go
      spec:
        template:
          metadata:
            annotations:
              coldbrew.dev/container-network: host
          spec:
            containers:
              - image: ghcr.io/knative/helloworld-go@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                imagePullPolicy: IfNotPresent
                args: ["--verbose"]
                workingDir: /app
                env:
                  - name: TARGET
                    value: Go Sample v1
                resources:
                  limits: {cpu: 500m, memory: 64Mi}
                  requests: {cpu: 0.1, memory: 1e7}
      """;

  /** An image for the container engine, forced on a container that also has a command. */
  static final String FORCED_CONTAINER =
      """
      apiVersion: serving.knative.dev/v1
      kind: Revision
      metadata:
        name: hello-00002
        annotations:
          coldbrew.dev/engine: container
      spec:
        containers:
          - image: localhost/hello:1
            command: ["/bin/hello"]
      """;

  static final List<String> VALID =
      List.of(HELLO, SPLIT, AUTOSCALED, CONFIGURATION, ROUTE, REVISION, IMAGE, FORCED_CONTAINER);

  /** A Service named hello whose one container runs {@code image} and has {@code containerYaml}. */
  static String withImage(String image, String containerYaml) {
    return service("image: \"" + image + "\"", containerYaml);
  }

  /** A Service named hello whose one container runs ./server and has {@code containerYaml}. */
  static String withContainer(String containerYaml) {
    return service("command: [\"./server\"]", containerYaml);
  }

  /** A Service named hello with one container: {@code first} as its first line, then the rest. */
  private static String service(String first, String containerYaml) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: hello
        spec:
          template:
            spec:
              containers:
                - %s
        """
            .formatted(first)
        + containerYaml.indent(10);
  }

  /** The Service {@code yaml} with {@code annotations} (a YAML flow map) on its template. */
  static String withTemplateAnnotations(String yaml, String annotations) {
    return yaml.replace(
        "  template:\n    spec:",
        "  template:\n    metadata:\n      annotations: " + annotations + "\n    spec:");
  }

  /** A Service named hello with {@code specYaml} in its template spec. */
  static String withTemplateSpec(String specYaml) {
    return withContainer("") + specYaml.indent(6);
  }

  /** A Service named hello running ./server, with {@code specYaml} under spec (e.g. traffic). */
  static String withServiceSpec(String specYaml) {
    return withContainer("") + specYaml.indent(2);
  }

  /** Decodes, defaults and validates, as the API layer does; returns every error. */
  static List<FieldError> errorsOf(String yaml, ValidationContext ctx) {
    Resource r = ResourceCodec.decodeOne(yaml);
    Defaults.apply(r, ctx.defaults());
    return Validation.errors(r, ctx);
  }

  static List<FieldError> errorsOf(String yaml) {
    return errorsOf(yaml, ValidationContext.standard());
  }

  /** Decoded and defaulted. */
  static Resource defaulted(String yaml) {
    return Defaults.apply(ResourceCodec.decodeOne(yaml), ValidationContext.standard().defaults());
  }
}
