/* The template renderer is shared with ebbactl: include/ebba/lib/template.h. */
#ifndef EBBA_WEB_TEMPLATE_SHIM_H
#define EBBA_WEB_TEMPLATE_SHIM_H

#include "ebba/lib/template.h"

#endif
