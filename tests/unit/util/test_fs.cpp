// placeholder: tests land with the module
