FROM base:1
FROB the widgets
