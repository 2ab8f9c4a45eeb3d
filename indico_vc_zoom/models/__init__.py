"""The plugin's own tables (schema ``plugin_vc_zoom``); Indico imports every module here when it loads the plugin."""
