// The system ICU (libicu-dev), found through pkg-config (icu-i18n, which requires icu-uc).
// Only the C shim in Sources/CICU includes these headers; Swift code never imports ICU types.
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>
#include <unicode/uscript.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
