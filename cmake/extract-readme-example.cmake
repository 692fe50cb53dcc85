# SPDX-License-Identifier: MIT
# Cut the README's library example out of README.md: the ```c block between the lines
# "<!-- BEGIN EXAMPLE readme_example.c -->" and "<!-- END EXAMPLE -->".
#   cmake -DIN=README.md -DOUT=readme_example.c -P extract-readme-example.cmake
file(READ ${IN} text)
string(FIND "${text}" "<!-- BEGIN EXAMPLE readme_example.c -->" begin)
string(FIND "${text}" "<!-- END EXAMPLE -->" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
    message(FATAL_ERROR "${IN}: no '<!-- BEGIN EXAMPLE readme_example.c -->' ... '<!-- END EXAMPLE -->' block")
endif()
math(EXPR len "${end} - ${begin}")
string(SUBSTRING "${text}" ${begin} ${len} block)
string(FIND "${block}" "```c\n" open)
string(FIND "${block}" "\n```" close REVERSE)
if(open EQUAL -1 OR close EQUAL -1 OR close LESS open)
    message(FATAL_ERROR "${IN}: the EXAMPLE block holds no ```c fence")
endif()
math(EXPR open "${open} + 5")
math(EXPR clen "${close} - ${open} + 1")
string(SUBSTRING "${block}" ${open} ${clen} code)
file(WRITE ${OUT} "/* generated from README.md by cmake/extract-readme-example.cmake */\n${code}")
