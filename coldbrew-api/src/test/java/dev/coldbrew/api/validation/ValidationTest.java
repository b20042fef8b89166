package dev.coldbrew.api.validation;

import static dev.coldbrew.api.validation.Manifests.errorsOf;
import static dev.coldbrew.api.validation.Manifests.withContainer;
import static dev.coldbrew.api.validation.Manifests.withImage;
import static dev.coldbrew.api.validation.Manifests.withServiceSpec;
import static dev.coldbrew.api.validation.Manifests.withTemplateAnnotations;
import static dev.coldbrew.api.validation.Manifests.withTemplateSpec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.ImageReference;
import dev.coldbrew.api.model.Quantity;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid manifests, each with the exact errors a user sees. */
class ValidationTest {
  private static final String DNS1035 = Names.DNS1035_EXPECTED;
  private static final String IMAGE_EXPECTED = ImageReference.EXPECTED;

  private static Arguments invalid(String name, String yaml, String path, String message) {
    return Arguments.of(name, yaml, List.of(new FieldError(path, message)));
  }

  private static Arguments invalid(String name, String yaml, FieldError... errors) {
    return Arguments.of(name, yaml, List.of(errors));
  }

  private static FieldError e(String path, String message) {
    return new FieldError(path, message);
  }

  static Stream<Arguments> invalidManifests() {
    return Stream.of(
        // metadata
        invalid(
            "no name",
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              labels: {app: hello}
            spec:
              template:
                spec:
                  containers:
                    - command: ["./server"]
            """,
            "metadata.name",
            "missing required field (name or generateName)"),
        invalid(
            "upper-case name",
            withContainer("").replace("name: hello", "name: Hello"),
            "metadata.name",
            "\"Hello\" (expected: " + DNS1035 + ")"),
        invalid(
            "name starting with a digit",
            withContainer("").replace("name: hello", "name: 1hello"),
            "metadata.name",
            "\"1hello\" (expected: " + DNS1035 + ")"),
        invalid(
            "name of 64 chars",
            withContainer("").replace("name: hello", "name: " + "a".repeat(64)),
            "metadata.name",
            "\"" + "a".repeat(64) + "\" (expected: " + DNS1035 + ")"),
        invalid(
            "name ending with a dash",
            withContainer("").replace("name: hello", "name: hello-"),
            "metadata.name",
            "\"hello-\" (expected: " + DNS1035 + ")"),
        invalid(
            "bad generateName",
            withContainer("").replace("name: hello", "generateName: 9hello-"),
            "metadata.generateName",
            "\"9hello-\" (expected: a DNS-1035 label prefix: at most 58 lowercase letters, digits"
                + " and '-', starting with a letter)"),
        invalid(
            "bad namespace",
            withContainer("").replace("name: hello", "name: hello\n  namespace: Team_A"),
            "metadata.namespace",
            "\"Team_A\" (expected: " + Names.DNS1123_EXPECTED + ")"),
        invalid(
            "bad label key",
            withContainer("").replace("name: hello", "name: hello\n  labels: {-app: x}"),
            "metadata.labels.-app",
            "\"-app\" (expected: a label key: an optional DNS subdomain prefix and '/', then at"
                + " most 63 letters, digits, '-', '_' and '.', starting and ending with a letter"
                + " or digit)"),
        invalid(
            "bad label value",
            withContainer("").replace("name: hello", "name: hello\n  labels: {app: \"a b\"}"),
            "metadata.labels.app",
            "\"a b\" (expected: a label value: empty or at most 63 letters, digits, '-', '_' and"
                + " '.', starting and ending with a letter or digit)"),
        invalid(
            "a visibility other than cluster-local",
            withContainer("")
                .replace(
                    "name: hello",
                    "name: hello\n  labels: {networking.knative.dev/visibility: public}"),
            "metadata.labels.networking.knative.dev/visibility",
            "\"public\" (expected: cluster-local)"),
        invalid(
            "bad annotation key",
            withContainer("").replace("name: hello", "name: hello\n  annotations: {a/b/c: x}"),
            "metadata.annotations.a/b/c",
            "\"a/b/c\" (expected: an annotation key: an optional DNS subdomain prefix and '/',"
                + " then at most 63 letters, digits, '-', '_' and '.', starting and ending with a"
                + " letter or digit)"),
        invalid(
            "autoscaling annotation on a Service",
            withContainer("")
                .replace(
                    "name: hello",
                    "name: hello\n  annotations: {autoscaling.knative.dev/min-scale: \"1\"}"),
            "metadata.annotations.autoscaling.knative.dev/min-scale",
            "autoscaling annotations must be put under spec.template.metadata.annotations"),
        invalid(
            "autoscaling annotation on a Route",
            Manifests.ROUTE.replace(
                "name: hello",
                "name: hello\n  annotations: {autoscaling.knative.dev/max-scale: \"3\"}"),
            "metadata.annotations.autoscaling.knative.dev/max-scale",
            "autoscaling annotations must be put under spec.template.metadata.annotations"),
        invalid(
            "autoscaling annotation on a Configuration",
            Manifests.CONFIGURATION.replace(
                "name: hello", "name: hello\n  annotations: {autoscaling.knative.dev/window: 60s}"),
            "metadata.annotations.autoscaling.knative.dev/window",
            "autoscaling annotations must be put under spec.template.metadata.annotations"),
        invalid(
            "fractional progress-deadline",
            withContainer("")
                .replace(
                    "    spec:\n      containers",
                    "    metadata:\n      annotations:\n        serving.knative.dev/progress-deadline:"
                        + " 10.5s\n    spec:\n      containers"),
            "spec.template.metadata.annotations.serving.knative.dev/progress-deadline",
            "\"10.5s\" (expected: a duration in whole seconds >= 0, such as 600s)"),
        invalid(
            "rollout-duration that is not a duration",
            withContainer("")
                .replace(
                    "name: hello",
                    "name: hello\n  annotations: {serving.knative.dev/rollout-duration: soon}"),
            "metadata.annotations.serving.knative.dev/rollout-duration",
            "\"soon\" (expected: a duration such as 60s, 1m30s or 500ms, in whole seconds >= 0)"),
        invalid(
            "rollout-duration other than 0s: gradual rollout is not implemented",
            withContainer("")
                .replace(
                    "name: hello",
                    "name: hello\n  annotations: {serving.knative.dev/rollout-duration: 120s}"),
            "metadata.annotations.serving.knative.dev/rollout-duration",
            "\"120s\" (expected: 0s or unset: Coldbrew does not roll out gradually, traffic moves"
                + " to a new revision at once)"),
        invalid(
            "progress-deadline without a unit",
            withContainer("")
                .replace(
                    "    spec:\n      containers",
                    "    metadata:\n      annotations:\n        serving.knative.dev/progress-deadline:"
                        + " \"600\"\n    spec:\n      containers"),
            "spec.template.metadata.annotations.serving.knative.dev/progress-deadline",
            "\"600\" (expected: a duration with a unit, such as \"600s\" (a number alone is not a"
                + " duration in Knative; units: h, m, s, ms, us, ns), in whole seconds >= 0)"),
        invalid(
            "negative progress-deadline",
            withContainer("")
                .replace(
                    "    spec:\n      containers",
                    "    metadata:\n      annotations:\n        serving.knative.dev/progress-deadline:"
                        + " -5s\n    spec:\n      containers"),
            "spec.template.metadata.annotations.serving.knative.dev/progress-deadline",
            "\"-5s\" (expected: a duration in whole seconds >= 0, such as 600s)"),
        // bring-your-own revision name
        invalid(
            "revision name not prefixed by the service name",
            withContainer("")
                .replace(
                    "    spec:\n      containers",
                    "    metadata: {name: other-v1}\n    spec:\n      containers"),
            "spec.template.metadata.name",
            "\"other-v1\" (expected: a name starting with \"hello-\")"),
        invalid(
            "revision name not DNS-1035",
            withContainer("")
                .replace(
                    "    spec:\n      containers",
                    "    metadata: {name: hello_v1}\n    spec:\n      containers"),
            "spec.template.metadata.name",
            "\"hello_v1\" (expected: " + DNS1035 + ")"),
        invalid(
            "revision name with generateName",
            withContainer("")
                .replace("name: hello", "generateName: hello-")
                .replace(
                    "    spec:\n      containers",
                    "    metadata: {name: hello-v1}\n    spec:\n      containers"),
            "spec.template.metadata.name",
            "\"hello-v1\" is not allowed when metadata.generateName is used (expected: unset)"),
        // containers
        invalid(
            "no containers",
            withContainer("")
                .replace(
                    "      containers:\n        - command: [\"./server\"]\n",
                    "      containers: []\n"),
            "spec.template.spec.containers",
            "missing required field"),
        invalid(
            "two containers",
            withContainer("")
                .replace(
                    "        - command: [\"./server\"]\n",
                    "        - command: [\"./server\"]\n        - command: [\"./sidecar\"]\n"),
            "spec.template.spec.containers",
            "\"2 containers\" (expected: exactly one container)"),
        invalid(
            "image with the process engine forced",
            withTemplateAnnotations(
                withImage("ghcr.io/knative/helloworld-go:latest", ""),
                "{coldbrew.dev/engine: process}"),
            "spec.template.spec.containers[0].command",
            "missing required field: this revision runs as a process (annotation"
                + " coldbrew.dev/engine: process), which runs command and args, not image"
                + " \"ghcr.io/knative/helloworld-go:latest\" (add command: [...], or remove the"
                + " annotation to run the image)"),
        invalid(
            "command with the container engine forced, no image",
            withTemplateAnnotations(withContainer(""), "{coldbrew.dev/engine: container}"),
            "spec.template.spec.containers[0].image",
            "missing required field: this revision runs as a container (annotation"
                + " coldbrew.dev/engine: container), which needs an image (e.g. image:"
                + " localhost/hello:1)"),
        invalid(
            "neither image nor command",
            withContainer("")
                .replace("- command: [\"./server\"]", "- args: [\"--port\", \"8080\"]"),
            "spec.template.spec.containers[0].image",
            "missing required field: set image (it runs as a container) or command (it runs as a"
                + " process)"),
        invalid(
            "unknown engine",
            withTemplateAnnotations(withContainer(""), "{coldbrew.dev/engine: docker}"),
            "spec.template.metadata.annotations.coldbrew.dev/engine",
            "\"docker\" (expected: process or container)"),
        invalid(
            "unknown container network",
            withTemplateAnnotations(
                withImage("localhost/hello:1", ""), "{coldbrew.dev/container-network: none}"),
            "spec.template.metadata.annotations.coldbrew.dev/container-network",
            "\"none\" (expected: bridge or host)"),
        invalid(
            "upper-case image repository",
            withImage("localhost/Hello:1", ""),
            "spec.template.spec.containers[0].image",
            "\"localhost/Hello:1\" (expected: "
                + IMAGE_EXPECTED
                + "; bad repository name"
                + " component \"Hello\" (lowercase letters and digits, separated by '.', '_', '__'"
                + " or '-'))"),
        invalid(
            "image with a space",
            withImage("nginx latest", ""),
            "spec.template.spec.containers[0].image",
            "\"nginx latest\" (expected: "
                + IMAGE_EXPECTED
                + "; bad repository name component"
                + " \"nginx latest\" (lowercase letters and digits, separated by '.', '_', '__' or"
                + " '-'))"),
        invalid(
            "image with a bad tag",
            withImage("nginx:-1", ""),
            "spec.template.spec.containers[0].image",
            "\"nginx:-1\" (expected: " + IMAGE_EXPECTED + "; bad tag \"-1\")"),
        invalid(
            "image with a short digest",
            withImage("nginx@sha256:abc", ""),
            "spec.template.spec.containers[0].image",
            "\"nginx@sha256:abc\" (expected: " + IMAGE_EXPECTED + "; bad digest \"sha256:abc\")"),
        invalid(
            "image of only a tag",
            withImage(":1", ""),
            "spec.template.spec.containers[0].image",
            "\":1\" (expected: " + IMAGE_EXPECTED + "; no repository name)"),
        invalid(
            "image with a bad registry",
            withImage("-bad-.example.com/app:1", ""),
            "spec.template.spec.containers[0].image",
            "\"-bad-.example.com/app:1\" (expected: "
                + IMAGE_EXPECTED
                + "; bad registry"
                + " \"-bad-.example.com\")"),
        invalid(
            "unknown pull policy",
            withImage("localhost/hello:1", "imagePullPolicy: Sometimes"),
            "spec.template.spec.containers[0].imagePullPolicy",
            "\"Sometimes\" (expected: Always, IfNotPresent or Never)"),
        invalid(
            "limits that do not parse",
            withImage(
                "localhost/hello:1",
                "resources:\n  limits: {cpu: lots, memory: 12XB}\n  requests: {memory: [1]}"),
            e(
                "spec.template.spec.containers[0].resources.limits.cpu",
                "\"lots\" (expected: " + Quantity.EXPECTED + ")"),
            e(
                "spec.template.spec.containers[0].resources.limits.memory",
                "\"12XB\" (expected: " + Quantity.EXPECTED + ")"),
            e(
                "spec.template.spec.containers[0].resources.requests.memory",
                "\"\" (expected: " + Quantity.EXPECTED + ")")),
        invalid(
            "limits the container engine cannot apply",
            withImage("localhost/hello:1", "resources:\n  limits: {cpu: 1m, memory: 1Mi}"),
            e(
                "spec.template.spec.containers[0].resources.limits.cpu",
                "\"1m\" (expected: at least 10m, the smallest limit the engine enforces)"),
            e(
                "spec.template.spec.containers[0].resources.limits.memory",
                "\"1Mi\" (expected: at least 6Mi, the container engine's minimum)")),
        invalid(
            "negative limit",
            withContainer("resources:\n  limits: {cpu: \"-1\"}"),
            "spec.template.spec.containers[0].resources.limits.cpu",
            "\"-1\" (expected: a quantity >= 0)"),
        invalid(
            "relative workingDir in a container",
            withImage("localhost/hello:1", "workingDir: app"),
            "spec.template.spec.containers[0].workingDir",
            "\"app\" (expected: an absolute path inside the container)"),
        invalid(
            "empty command entry",
            withContainer("").replace("[\"./server\"]", "[\"./server\", \"\"]"),
            "spec.template.spec.containers[0].command[1]",
            "\"\" (expected: a non-empty string)"),
        invalid(
            "container name not DNS-1123",
            withContainer("name: User_Container"),
            "spec.template.spec.containers[0].name",
            "\"User_Container\" (expected: " + Names.DNS1123_EXPECTED + ")"),
        // ports
        invalid(
            "two ports",
            withContainer("ports: [{containerPort: 8080}, {containerPort: 8081}]"),
            "spec.template.spec.containers[0].ports",
            "\"2 ports\" (expected: at most one port)"),
        invalid(
            "port out of range",
            withContainer("ports: [{containerPort: 70000}]"),
            "spec.template.spec.containers[0].ports[0].containerPort",
            "70000 (expected: 1..65535)"),
        invalid(
            "port zero",
            withContainer("ports: [{containerPort: 0}]"),
            "spec.template.spec.containers[0].ports[0].containerPort",
            "0 (expected: 1..65535)"),
        invalid(
            "reserved port",
            withContainer("ports: [{containerPort: 8012}]"),
            "spec.template.spec.containers[0].ports[0].containerPort",
            "8012 (expected: a port Knative does not reserve; 8012, 8013, 8022, 9090 and 9091 are"
                + " reserved)"),
        invalid(
            "port name other than http1 or h2c",
            withContainer("ports: [{containerPort: 8080, name: http2}]"),
            "spec.template.spec.containers[0].ports[0].name",
            "\"http2\" (expected: http1, h2c or unset)"),
        invalid(
            "port without containerPort",
            withContainer("ports: [{name: h2c}]"),
            "spec.template.spec.containers[0].ports[0].containerPort",
            "missing required field"),
        invalid(
            "UDP port",
            withContainer("ports: [{containerPort: 8080, protocol: UDP}]"),
            "spec.template.spec.containers[0].ports[0].protocol",
            "\"UDP\" (expected: TCP or unset)"),
        // env
        invalid(
            "env name starting with a digit",
            withContainer("env: [{name: 1TARGET, value: x}]"),
            "spec.template.spec.containers[0].env[0].name",
            "\"1TARGET\" (expected: letters, digits, '_', '-' and '.', not starting with a digit)"),
        invalid(
            "reserved env name",
            withContainer("env: [{name: TARGET, value: x}, {name: PORT, value: \"9000\"}]"),
            "spec.template.spec.containers[0].env[1].name",
            "\"PORT\" (expected: a name other than PORT, K_SERVICE, K_CONFIGURATION and"
                + " K_REVISION, which the platform sets)"),
        invalid(
            "env with value and valueFrom",
            withContainer(
                "env: [{name: TOKEN, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}]"),
            "spec.template.spec.containers[0].env[0]",
            "value and valueFrom are both set (expected: one of them)"),
        invalid(
            "env valueFrom on the local runtime",
            withContainer("env: [{name: GREETING, valueFrom: {secretKeyRef: {name: s, key: k}}}]"),
            "spec.template.spec.containers[0].env[0].valueFrom",
            "not supported by the local runtime, which has no Secrets or ConfigMaps (expected:"
                + " value)"),
        invalid(
            "envFrom on the local runtime",
            withContainer("envFrom: [{configMapRef: {name: settings}}]"),
            "spec.template.spec.containers[0].envFrom",
            "not supported by the local runtime, which has no Secrets or ConfigMaps (expected: env"
                + " entries with a value)"),
        invalid(
            "env without name",
            withContainer("env: [{value: x}]"),
            "spec.template.spec.containers[0].env[0].name",
            "missing required field"),
        // probes
        invalid(
            "probe with two handlers",
            withContainer("readinessProbe: {httpGet: {path: /}, tcpSocket: {}}"),
            "spec.template.spec.containers[0].readinessProbe",
            "\"httpGet and tcpSocket\" (expected: at most one handler)"),
        invalid(
            "exec probe without a command",
            withContainer("livenessProbe: {exec: {}}"),
            "spec.template.spec.containers[0].livenessProbe.exec.command",
            "null (expected: a non-empty list of words, the program first, such as [\"cat\","
                + " \"/tmp/ready\"])"),
        invalid(
            "exec probe with an empty word",
            withContainer("livenessProbe: {exec: {command: [cat, \"\"]}}"),
            "spec.template.spec.containers[0].livenessProbe.exec.command",
            "[\"cat\",\"\"] (expected: a non-empty list of words, the program first, such as"
                + " [\"cat\", \"/tmp/ready\"])"),
        invalid(
            "exec probe with a string for a command",
            withContainer("readinessProbe: {exec: {command: \"cat /tmp/ready\"}}"),
            "spec.template.spec.containers[0].readinessProbe.exec.command",
            "\"cat /tmp/ready\" (expected: a non-empty list of words, the program first, such as"
                + " [\"cat\", \"/tmp/ready\"])"),
        invalid(
            "grpc probe on another port",
            withContainer("readinessProbe: {grpc: {port: 9000}}"),
            "spec.template.spec.containers[0].readinessProbe.grpc.port",
            "9000 (expected: the container port 8080, or unset: each instance listens on its own"
                + " PORT)"),
        invalid(
            "grpc probe with a port out of range",
            withContainer("livenessProbe: {grpc: {port: 70000}}"),
            "spec.template.spec.containers[0].livenessProbe.grpc.port",
            "70000 (expected: a port number, 1..65535, or 0 for the container port)"),
        invalid(
            "grpc probe with a named port",
            withContainer("livenessProbe: {grpc: {port: http}}"),
            "spec.template.spec.containers[0].livenessProbe.grpc.port",
            "\"http\" (expected: a port number, 1..65535, or 0 for the container port)"),
        invalid(
            "grpc probe with a service that is not a string",
            withContainer("readinessProbe: {grpc: {service: [a]}}"),
            "spec.template.spec.containers[0].readinessProbe.grpc.service",
            "[\"a\"] (expected: a string: a service name the health server knows, or"
                + " \"\" for the whole server)"),
        invalid(
            "grpc probe with an unknown field",
            withContainer("readinessProbe: {grpc: {port: 8080, host: example.com}}"),
            "spec.template.spec.containers[0].readinessProbe.grpc.host",
            "unknown field"),
        invalid(
            "grpc probe that is not an object",
            withContainer("readinessProbe: {grpc: 8080}"),
            "spec.template.spec.containers[0].readinessProbe.grpc",
            "8080 (expected: an object with port and service)"),
        invalid(
            "probe on another port",
            withContainer("readinessProbe: {httpGet: {path: /, port: 9000}}"),
            "spec.template.spec.containers[0].readinessProbe.httpGet.port",
            "9000 (expected: the container port 8080, or unset)"),
        invalid(
            "probe on another named port",
            withContainer(
                "ports: [{containerPort: 9000, name: h2c}]\n"
                    + "livenessProbe: {tcpSocket: {port: admin}}"),
            "spec.template.spec.containers[0].livenessProbe.tcpSocket.port",
            "\"admin\" (expected: the container port 9000, or unset or \"h2c\")"),
        invalid(
            "negative periodSeconds",
            withContainer("readinessProbe: {tcpSocket: {}, periodSeconds: -1}"),
            "spec.template.spec.containers[0].readinessProbe.periodSeconds",
            "-1 (expected: >= 0)"),
        invalid(
            "zero probe timeoutSeconds",
            withContainer("readinessProbe: {tcpSocket: {}, timeoutSeconds: 0}"),
            "spec.template.spec.containers[0].readinessProbe.timeoutSeconds",
            "0 (expected: >= 1)"),
        invalid(
            "zero failureThreshold",
            withContainer("livenessProbe: {httpGet: {path: /}, failureThreshold: 0}"),
            "spec.template.spec.containers[0].livenessProbe.failureThreshold",
            "0 (expected: >= 1)"),
        invalid(
            "negative initialDelaySeconds",
            withContainer("livenessProbe: {httpGet: {path: /}, initialDelaySeconds: -5}"),
            "spec.template.spec.containers[0].livenessProbe.initialDelaySeconds",
            "-5 (expected: >= 0)"),
        invalid(
            "liveness successThreshold above 1",
            withContainer("livenessProbe: {httpGet: {path: /}, successThreshold: 2}"),
            "spec.template.spec.containers[0].livenessProbe.successThreshold",
            "2 (expected: 1 for liveness and startup probes)"),
        invalid(
            "readiness successThreshold 0",
            withContainer("readinessProbe: {httpGet: {path: /}, successThreshold: 0}"),
            "spec.template.spec.containers[0].readinessProbe.successThreshold",
            "0 (expected: >= 1)"),
        invalid(
            "probe scheme",
            withContainer("readinessProbe: {httpGet: {path: /, scheme: FTP}}"),
            "spec.template.spec.containers[0].readinessProbe.httpGet.scheme",
            "\"FTP\" (expected: HTTP or HTTPS)"),
        // revision spec
        invalid(
            "containerConcurrency above the limit",
            withTemplateSpec("containerConcurrency: 1001"),
            "spec.template.spec.containerConcurrency",
            "1001 (expected: 0..1000)"),
        invalid(
            "negative containerConcurrency",
            withTemplateSpec("containerConcurrency: -1"),
            "spec.template.spec.containerConcurrency",
            "-1 (expected: 0..1000)"),
        invalid(
            "timeoutSeconds above the maximum",
            withTemplateSpec("timeoutSeconds: 601"),
            "spec.template.spec.timeoutSeconds",
            "601 (expected: 0..600)"),
        invalid(
            "responseStartTimeoutSeconds above timeoutSeconds",
            withTemplateSpec("timeoutSeconds: 100\nresponseStartTimeoutSeconds: 101"),
            "spec.template.spec.responseStartTimeoutSeconds",
            "101 (expected: 0..100 (at most timeoutSeconds))"),
        invalid(
            "negative idleTimeoutSeconds",
            withTemplateSpec("idleTimeoutSeconds: -1"),
            "spec.template.spec.idleTimeoutSeconds",
            "-1 (expected: 0..300 (at most timeoutSeconds))"),
        // traffic
        invalid(
            "percents out of range",
            withServiceSpec(
                """
                traffic:
                  - revisionName: hello-00001
                    percent: -20
                  - latestRevision: true
                    percent: 120
                """),
            e("spec.traffic[0].percent", "-20 (expected: 0..100)"),
            e("spec.traffic[1].percent", "120 (expected: 0..100)")),
        invalid(
            "percents summing to 90",
            withServiceSpec(
                """
                traffic:
                  - revisionName: hello-00001
                    percent: 40
                  - percent: 50
                """),
            "spec.traffic",
            "traffic targets sum to 90, want 100"),
        invalid(
            "percent left out",
            withServiceSpec(
                """
                traffic:
                  - revisionName: hello-00001
                    tag: old
                """),
            "spec.traffic",
            "traffic targets sum to 0, want 100"),
        invalid(
            "tag not DNS-1035",
            withServiceSpec("traffic: [{percent: 100, tag: V2}]"),
            "spec.traffic[0].tag",
            "\"V2\" (expected: " + DNS1035 + ")"),
        invalid(
            "duplicate tags",
            withServiceSpec(
                """
                traffic:
                  - {revisionName: hello-00001, percent: 50, tag: v1}
                  - {percent: 50, tag: v1}
                """),
            "spec.traffic[1].tag",
            "\"v1\" (expected: a unique tag (spec.traffic[0] has it already))"),
        invalid(
            "revisionName with latestRevision true",
            withServiceSpec(
                "traffic: [{revisionName: hello-00001, latestRevision: true, percent: 100}]"),
            "spec.traffic[0].latestRevision",
            "true (expected: false or unset when revisionName is set)"),
        invalid(
            "latestRevision false without revisionName",
            withServiceSpec("traffic: [{latestRevision: false, percent: 100}]"),
            "spec.traffic[0].latestRevision",
            "false (expected: true or unset when revisionName is unset (or set revisionName))"),
        invalid(
            "configurationName in a Service",
            withServiceSpec("traffic: [{configurationName: hello, percent: 100}]"),
            "spec.traffic[0].configurationName",
            "not allowed in a Service, whose traffic goes to its own configuration (expected:"
                + " unset)"),
        invalid(
            "another service's revision",
            withServiceSpec("traffic: [{revisionName: other-00001, percent: 100}]"),
            "spec.traffic[0].revisionName",
            "\"other-00001\" (expected: a revision of this service, named \"hello-...\")"),
        invalid(
            "url in spec",
            withServiceSpec("traffic: [{percent: 100, url: \"http://hello.example.com\"}]"),
            "spec.traffic[0].url",
            "not allowed in spec; it is set in status"),
        invalid(
            "Route target naming nothing",
            Manifests.ROUTE.replace("- configurationName: hello", "- tag: latest"),
            "spec.traffic[0]",
            "missing revisionName or configurationName (expected: exactly one)"),
        invalid(
            "Route target naming both",
            Manifests.ROUTE.replace(
                "- configurationName: hello",
                "- configurationName: hello\n      revisionName: hello-00009"),
            "spec.traffic[0]",
            "both revisionName and configurationName are set (expected: exactly one)"),
        invalid(
            "Route without traffic",
            """
            apiVersion: serving.knative.dev/v1
            kind: Route
            metadata:
              name: hello
            spec: {}
            """,
            "spec.traffic",
            "missing required field"),
        // other kinds
        invalid(
            "Revision with bad containerConcurrency",
            Manifests.REVISION.replace("timeoutSeconds: 300", "containerConcurrency: 5000"),
            "spec.containerConcurrency",
            "5000 (expected: 0..1000)"),
        invalid(
            "Configuration without template",
            """
            apiVersion: serving.knative.dev/v1
            kind: Configuration
            metadata:
              name: hello
            spec:
              template:
                spec: {}
            """,
            "spec.template.spec.containers",
            "missing required field"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidManifests")
  void rejectsWithFieldPathAndMessage(String name, String yaml, List<FieldError> expected) {
    assertThat(errorsOf(yaml)).containsExactlyElementsOf(expected);
  }
}
