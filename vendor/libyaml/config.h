/* k8slint: the few definitions libyaml's sources need (what its configure script generates). */
#define YAML_VERSION_MAJOR 0
#define YAML_VERSION_MINOR 1
#define YAML_VERSION_PATCH 7
#define YAML_VERSION_STRING "0.1.7"
