package dev.coldbrew.cli.it;

import java.util.List;
import java.util.Map;

/** Builds the Service manifests the e2e tests apply. */
final class Manifests {
  private Manifests() {}

  /**
   * A Service running a test app of this module, marked so its processes can be found.
   *
   * @param annotations annotations for the template: autoscaling ones without their prefix, others
   *     (a key with a {@code /}) as they are
   * @param specExtra YAML lines added under {@code spec.template.spec} (indented by 6)
   */
  /** A command line as a YAML flow sequence of quoted words. */
  static String flow(List<String> words) {
    StringBuilder c = new StringBuilder("[");
    for (int i = 0; i < words.size(); i++) {
      c.append(i == 0 ? "" : ", ").append('"').append(words.get(i)).append('"');
    }
    return c.append(']').toString();
  }

  static String service(
      String name,
      Class<?> app,
      String marker,
      Map<String, String> annotations,
      String target,
      String specExtra) {
    List<String> cmd = new java.util.ArrayList<>(Platform.app(app.getName()));
    cmd.add(1, "-Dcoldbrew.test.marker=" + marker);
    StringBuilder ann = new StringBuilder();
    annotations.forEach(
        (k, v) ->
            ann.append("        ")
                .append(k.contains("/") ? "" : "autoscaling.knative.dev/")
                .append(k)
                .append(": \"")
                .append(v)
                .append("\"\n"));
    String c = flow(cmd);
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: %s
        spec:
          template:
            metadata:
              annotations:
        %s
            spec:
        %s
              containers:
                - command: %s
                  env: [{name: TARGET, value: "%s"}]
        """
        .formatted(name, ann.length() == 0 ? "        {}\n" : ann, specExtra, c, target);
  }
}
